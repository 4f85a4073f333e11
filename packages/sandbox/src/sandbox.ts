/**
 * `createSandbox({ seed })`: a simulated world behind every provider's real HTTP API. The vendor
 * fakes (each adapter's `./msw`) answer over a seeded world; `sandbox.fetch` serves them
 * in-process, so the real adapters run unchanged; a simulated clock drives time; and as the clock
 * is advanced through `advanceTo`/`tick`, the world acts on what was sent: invitations accepted,
 * replies, bounces, opens and clicks, delivered as Unipile webhooks.
 */
import type { Icp } from "@offerlab/core";
import { normalizeSeniority, signCalComBody } from "@offerlab/core";
import type { CallGate, FetchLike, OnUsage, ProviderInfo, VendorDescriptor, VendorFactoryOptions } from "@offerlab/provider-kit";
import { exaVendor } from "@offerlab/provider-exa";
import type { ExaProvider } from "@offerlab/provider-exa";
import { firecrawlVendor } from "@offerlab/provider-firecrawl";
import type { FirecrawlOptions, FirecrawlProvider } from "@offerlab/provider-firecrawl";
import { leadmagicVendor } from "@offerlab/provider-leadmagic";
import type { LeadMagicProvider } from "@offerlab/provider-leadmagic";
import { parallelVendor } from "@offerlab/provider-parallel";
import type { ParallelOptions, ParallelProvider } from "@offerlab/provider-parallel";
import { sumbleVendor } from "@offerlab/provider-sumble";
import type { SumbleOptions, SumbleProvider } from "@offerlab/provider-sumble";
import { theirstackVendor } from "@offerlab/provider-theirstack";
import type { TheirStackOptions, TheirStackProvider } from "@offerlab/provider-theirstack";
import { unipileVendor } from "@offerlab/provider-unipile";
import type { UnipileOptions, UnipileProvider } from "@offerlab/provider-unipile";
import { getResponse, http } from "msw";
import type { HttpHandler } from "msw";
import { BOUNCE_TEXT, REPLY_TEXTS } from "./sandbox-data.js";
import type { ReplyKind } from "./sandbox-data.js";
import { SANDBOX_JOURNAL_ENV, SANDBOX_START } from "./sandbox-env.js";

export { SANDBOX_START };
import { createJournal } from "./sandbox-journal.js";
import type { JournalEntry } from "./sandbox-journal.js";
import { createSandboxLlm } from "./sandbox-llm.js";
import type { SandboxLlm } from "./sandbox-llm.js";
import { createRandom } from "./sandbox-random.js";
import type { Random } from "./sandbox-random.js";
import {
  createVendors,
  isSandboxProvider,
  providerOfUrl,
  SANDBOX_API_KEYS,
  SANDBOX_BASE_URLS,
  SANDBOX_PROVIDERS,
} from "./sandbox-vendors.js";
import type { SandboxProvider, SandboxVendors } from "./sandbox-vendors.js";
import { generateWorld } from "./sandbox-world.js";
import type { SandboxCompany, SandboxPerson, SandboxWorld, WorldOptions } from "./sandbox-world.js";

/** Header on every webhook the sandbox delivers, so a receiver can tell simulated events from real ones. */
export const SANDBOX_WEBHOOK_HEADER = "X-Offerlab-Sandbox";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The simulated clock. Pass `clock.now` to the scheduler and cron as their `now`. */
export interface SandboxClock {
  now(): Date;
  /** Moves the clock forward by `ms` (never back). The world does not act: use `sandbox.tick`. */
  advance(ms: number): Date;
  /** Sets the clock (never back). The world does not act: use `sandbox.advanceTo`. */
  set(time: Date | string | number): Date;
}

/** How the simulated people behave. Probabilities are per action, before fit and signal. */
export interface SandboxRates {
  /**
   * Probability that an average 2nd-degree person accepts an invitation; 3rd-degree and
   * out-of-network people accept less often, and fit, signal and the person's responsiveness move
   * it. 0 means nobody accepts and 1 means everybody does. Default 0.35.
   */
  acceptRate: number;
  /** Median hours before an acceptance. Default 20. */
  acceptMedianHours: number;
  /** Share of acceptances that come late (10–25 days after the invitation). Default 0.12. */
  lateAcceptanceShare: number;
  /** Probability that an average delivered email gets a reply; raised by ICP fit and company signals. Default 0.06. */
  emailReplyRate: number;
  /** Probability that an average LinkedIn message gets a reply; raised by ICP fit and company signals. Default 0.12. */
  dmReplyRate: number;
  /** Probability that a delivered email is opened at least once. Default 0.55. */
  openRate: number;
  /** Probability that an opened email's link is clicked. Default 0.08. */
  clickRate: number;
  /** Probability that a webhook delivery is delivered twice (Unipile retries). Default 0.05. */
  duplicateRate: number;
  /** Probability that a catch-all address bounces (decided once per address; invalid ones always bounce). Default 0.25. */
  catchAllBounceRate: number;
  /** Probability that an address the verifier calls unknown bounces (decided once per address). Default 0.35. */
  unknownBounceRate: number;
  /**
   * Probability that a person who replied positively books a meeting through the sender's Cal.com
   * page (a signed `BOOKING_CREATED` webhook, 2–30 hours after the reply). A question books at
   * half this rate. Default 0.6.
   */
  meetingRate: number;
  /**
   * Probability that an average person who got a LinkedIn message or a delivered email books a
   * meeting through the booking link in it without replying (1–72 hours later); raised by ICP fit
   * and company signals like replies. At most one booking per person. Default 0.1.
   */
  directBookingRate: number;
}

export const DEFAULT_SANDBOX_RATES: Readonly<SandboxRates> = {
  acceptRate: 0.35,
  acceptMedianHours: 20,
  lateAcceptanceShare: 0.12,
  emailReplyRate: 0.06,
  dmReplyRate: 0.12,
  openRate: 0.55,
  clickRate: 0.08,
  duplicateRate: 0.05,
  catchAllBounceRate: 0.25,
  unknownBounceRate: 0.35,
  meetingRate: 0.6,
  directBookingRate: 0.1,
};

/** Receives a webhook the way Unipile would POST it. Throwing makes the sandbox retry later (5 times). */
export type SandboxWebhookHandler = (provider: "unipile", payload: Record<string, unknown>, headers: Record<string, string>) => unknown;

/**
 * Receives a Cal.com booking webhook as Cal.com would POST it: the raw body and its headers
 * (`X-Cal-Signature-256` signed with the sandbox's `calcomSecret`). Throwing is recorded as a
 * failed delivery; the sandbox does not retry (Cal.com's retry policy is not documented).
 */
export type SandboxBookingHandler = (tool: "cal_com", rawBody: string, headers: Record<string, string>) => unknown;

/** One Cal.com booking delivery. */
export interface SandboxBookingDelivery {
  at: string;
  /** The booking's uid (the same in a redelivery). */
  uid: string;
  email: string;
  meetingAt: string;
  /** A second delivery of the same booking (at-least-once delivery). */
  duplicate: boolean;
  outcome: "delivered" | "failed" | "no_handler";
  error?: string;
}

/** One webhook delivery attempt. */
export interface SandboxDelivery {
  at: string;
  provider: "unipile";
  event: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  /** 1 for the first try, then Unipile's retries. */
  attempt: number;
  /** A second delivery of a payload already delivered (at-least-once delivery). */
  duplicate: boolean;
  /** `delivered`, `failed` (the handler threw) or `no_handler`. */
  outcome: "delivered" | "failed" | "no_handler";
  error?: string;
}

/** What the world did for one person, for tests and the demo's "what happened" summary. */
export interface SandboxOutcome {
  at: string;
  kind: "accepted" | "replied" | "bounced" | "opened" | "clicked" | "sent" | "booked";
  channel: "linkedin" | "email";
  personId: string | null;
  accountId: string;
  /** For replies: the kind of text sent. */
  reply?: ReplyKind;
}

export interface SandboxOptions {
  /** Same seed, same world and same outcomes. */
  seed: string | number;
  /** Start of simulated time. Default {@link SANDBOX_START} (2026-03-02T08:00:00Z, a Monday). */
  startAt?: Date | string | number;
  /** JSONL journal of provider requests. Default: env `OFFERLAB_SANDBOX_JOURNAL`, else memory only. */
  journalPath?: string;
  /** Where `OFFERLAB_SANDBOX_JOURNAL` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Size of the world and the sender's accounts. */
  world?: WorldOptions;
  /** Behaviour rates; see {@link DEFAULT_SANDBOX_RATES}. */
  rates?: Partial<SandboxRates>;
  /** The offer's ICP, for fit-dependent behaviour. Default: the last ICP the simulated LLM derived. */
  icp?: Icp;
  /** Receives webhooks. Can be set later with `setWebhookHandler`. */
  onWebhook?: SandboxWebhookHandler;
  /** Headers sent with webhooks when no webhook was registered through the Unipile API. Default `{ "content-type": "application/json" }`. */
  webhookHeaders?: Record<string, string>;
  /** Receives Cal.com booking webhooks. Can be set later with `setBookingHandler`. */
  onBooking?: SandboxBookingHandler;
  /** The secret the simulated Cal.com signs its webhooks with. Default: derived from the seed. */
  calcomSecret?: string;
  /**
   * Copy that works better (or worse), known in advance: a person whose invitation note, LinkedIn
   * message or email contains `contains` is `multiplier` times as likely to accept and to reply
   * from then on (the same scaling as fit and signals; the largest multiplier met wins). For
   * experiments whose answer is known: the demo's two variants of its first step. Default none.
   */
  copyEffects?: readonly SandboxCopyEffect[];
}

/** One {@link SandboxOptions.copyEffects} entry. */
export interface SandboxCopyEffect {
  /** Text whose presence in a message marks the copy (case-sensitive). */
  contains: string;
  /** How much more likely the person is to accept and to reply, e.g. 2. Must be > 0. */
  multiplier: number;
}

export interface SandboxProvidersOptions {
  /** Receives every adapter's usage events, as in a real run (wire it to `tool_usage`). Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call (the tools' rate limits), as in a real run. Default: none. */
  gate?: CallGate;
}

/** The real adapters, configured for the sandbox. */
export interface SandboxProviders {
  unipile: UnipileProvider;
  leadmagic: LeadMagicProvider;
  theirstack: TheirStackProvider;
  exa: ExaProvider;
  firecrawl: FirecrawlProvider;
  parallel: ParallelProvider;
  sumble: SumbleProvider;
}

export interface Sandbox {
  readonly seed: string;
  readonly world: SandboxWorld;
  /** The vendor fakes, for faults (`vendors.theirstack.fail("rate_limited", { times: 1 })`) and state. */
  readonly vendors: SandboxVendors;
  /** Every vendor's MSW handlers over this world, journaling first. For `setupServer(...sandbox.handlers)`. */
  readonly handlers: HttpHandler[];
  /** A `fetch` that serves the handlers in-process; refuses anything outside the sandbox. */
  readonly fetch: FetchLike;
  readonly clock: SandboxClock;
  /** The simulated LLM: pass `llm.model` as copy's `LlmOptions.model`. */
  readonly llm: SandboxLlm;
  /** Every provider request served, in order. */
  readonly journal: readonly JournalEntry[];
  /** Every webhook delivery attempt, in order. */
  readonly deliveries: readonly SandboxDelivery[];
  /** What the world did, in order. */
  readonly outcomes: readonly SandboxOutcome[];
  /** Every Cal.com booking delivery, in order. */
  readonly bookings: readonly SandboxBookingDelivery[];
  /** The secret the simulated Cal.com signs with (configure the receiver with it). */
  readonly calcomSecret: string;
  /** Sandbox base URLs and keys per vendor (for adapters built by hand). */
  readonly baseUrls: Readonly<Record<SandboxProvider, string>>;
  readonly apiKeys: Readonly<Record<SandboxProvider, string>>;
  /**
   * The real adapters configured for the sandbox: sandbox base URLs and keys (real keys in the
   * environment are ignored), `sandbox.fetch`, the simulated `today`, and fast polling.
   */
  providers(options?: SandboxProvidersOptions): SandboxProviders;
  /**
   * The adapter of any vendor descriptor, built by its own factory against its simulated
   * counterpart (`descriptor.simulated`): sandbox base URL and key, `sandbox.fetch`, the simulated
   * clock. Throws when the sandbox has no counterpart of that name (see {@link SANDBOX_PROVIDERS}).
   */
  adapter<A extends ProviderInfo, O extends VendorFactoryOptions>(
    descriptor: VendorDescriptor<string, A, O>,
    options?: SandboxProvidersOptions,
  ): A;
  /** Moves simulated time to `time`, letting the world act on everything due on the way. */
  advanceTo(time: Date | string | number): Promise<void>;
  /**
   * Moves simulated time forward by `ms` (default 0: acts on what is due now), counted from where
   * the clock is once earlier advances have finished.
   */
  tick(ms?: number): Promise<void>;
  /** When the world will next act, or null when nothing is scheduled. */
  nextEventAt(): Date | null;
  setWebhookHandler(handler: SandboxWebhookHandler | undefined): void;
  /** Sets who receives the simulated Cal.com's booking webhooks. */
  setBookingHandler(handler: SandboxBookingHandler | undefined): void;
  /** Sets the ICP fit is scored against (`undefined`: back to the latest one the simulated LLM derived). */
  setIcp(icp: Icp | undefined): void;
  /** The ICP fit is scored against: the one given, else the latest the simulated LLM derived, else none (every fit 0.5). */
  icp(): Icp | undefined;
  /** Changes a Unipile account's status (`CREDENTIALS`, `OK` ...) and delivers the `AccountStatus` webhook. */
  setAccountStatus(accountId: string, status: string): Promise<void>;
  /** The journal as JSONL. */
  journalJsonl(): string;
}

interface WorldEvent {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

function toMs(time: Date | string | number): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === "number" ? time : Date.parse(time);
  if (!Number.isFinite(ms)) throw new RangeError(`[sandbox] not a time: ${String(time)}`);
  return ms;
}

/**
 * `rate` scaled by a multiplier around 1 without leaving [0, 1]: 0 stays 0 and 1 stays 1 whatever
 * the person, and small rates scale almost linearly (1 - (1 - rate)^multiplier).
 */
function scaled(rate: number, multiplier: number): number {
  if (!(rate > 0)) return 0;
  if (rate >= 1) return 1;
  return 1 - Math.pow(1 - rate, Math.max(0, multiplier));
}

/**
 * How much more (or less) likely than average a person is to reply: about 1 for the world's
 * average fit-and-signal score (~0.3), 2.5 times as likely at the top third as at the bottom.
 */
function replyMultiplier(score: number, responsiveness: number): number {
  return (0.2 + 2.4 * score) * (0.5 + responsiveness);
}

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2);

/** 0–1: how well a person and their company match the ICP; 0.5 when no ICP is known. */
export function fitOf(person: SandboxPerson, company: SandboxCompany, icp: Icp | undefined): number {
  if (!icp) return 0.5;
  const verticals = icp.company.verticals.map((v) => v.toLowerCase());
  const vertical = verticals.includes(company.vertical) || verticals.some((v) => words(company.industry).includes(v)) ? 1 : 0;
  const size = company.employees >= icp.company.size_min && company.employees <= icp.company.size_max ? 1 : 0;
  const titleWords = new Set(icp.buyer.titles.flatMap(words));
  const title = words(person.title).some((w) => titleWords.has(w) && !["head", "chief", "officer", "director"].includes(w)) ? 1 : 0;
  const seniorities = icp.buyer.seniority.map(normalizeSeniority);
  const seniority = seniorities.includes(person.seniority) ? 1 : 0;
  const departments = icp.buyer.departments.map((d) => d.toLowerCase());
  const department = departments.includes(person.department.toLowerCase()) ? 1 : 0;
  return Math.round((0.3 * vertical + 0.15 * size + 0.25 * Math.max(title, department) + 0.3 * seniority) * 100) / 100;
}

export function createSandbox(options: SandboxOptions): Sandbox {
  const seed = String(options.seed);
  const root = createRandom(seed);
  const startAt = toMs(options.startAt ?? SANDBOX_START);
  let nowMs = startAt;
  const clock: SandboxClock = {
    now: () => new Date(nowMs),
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`[sandbox] the clock only moves forward (advance(${ms}))`);
      nowMs += ms;
      return new Date(nowMs);
    },
    set(time) {
      nowMs = Math.max(nowMs, toMs(time));
      return new Date(nowMs);
    },
  };
  const world = generateWorld(root.fork("world"), seed, new Date(startAt), options.world);
  const vendors = createVendors(world, root.fork("ids"), clock.now);
  const behaviour: Random = root.fork("behaviour");
  // Its own stream: booking meetings draws nothing from the behaviour stream, so the rest of a
  // seed's story is the same with or without meetings.
  const booking: Random = root.fork("bookings");
  const calcomSecret = options.calcomSecret ?? `sbx-calcom-${createRandom(`${seed}/calcom-secret`).int(1e8, 1e9 - 1)}-${seed}`;
  let onBooking = options.onBooking;
  const rates: SandboxRates = { ...DEFAULT_SANDBOX_RATES, ...options.rates };
  const env = options.env ?? process.env;
  const journal = createJournal(options.journalPath ?? (env[SANDBOX_JOURNAL_ENV]?.trim() || undefined));
  // An ICP given by the caller wins; otherwise the latest one the simulated LLM derived.
  let explicitIcp = options.icp;
  let derivedIcp: Icp | undefined;
  const llm = createSandboxLlm({ onIcp: (derived) => (derivedIcp = derived) });
  const currentIcp = () => explicitIcp ?? derivedIcp;
  let onWebhook = options.onWebhook;

  const companyByDomain = new Map(world.companies.map((c) => [c.domain, c]));
  const personByProviderId = new Map(world.people.map((p) => [p.provider_id, p]));
  const personByEmail = new Map(world.people.map((p) => [p.email, p]));

  // -- HTTP ------------------------------------------------------------------------------------

  const journalHandlers = Object.fromEntries(
    SANDBOX_PROVIDERS.map((provider) => {
      const base = SANDBOX_BASE_URLS[provider].replace(/\/+$/, "");
      const basePath = new URL(base).pathname.replace(/\/+$/, "");
      // Records and falls through (returns nothing) to the vendor's own handlers.
      const handler = http.all(`${base}/*`, async ({ request }) => {
        await journal.record(provider, request, new URL(request.url).pathname.slice(basePath.length), clock.now());
        return undefined;
      });
      return [provider, handler];
    }),
  ) as Record<SandboxProvider, HttpHandler>;
  // Per vendor, so a request is matched against its own vendor's routes only.
  const handlersOf = Object.fromEntries(
    SANDBOX_PROVIDERS.map((provider) => [provider, [journalHandlers[provider], ...vendors[provider].handlers]]),
  ) as Record<SandboxProvider, HttpHandler[]>;
  const handlers: HttpHandler[] = SANDBOX_PROVIDERS.flatMap((provider) => handlersOf[provider]);

  const fetch: FetchLike = async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(request.url);
    const provider = providerOfUrl(url);
    if (!provider) {
      throw new TypeError(
        `[sandbox] refused a request outside the sandbox: ${request.method} ${url.origin}${url.pathname} (sandbox runs never reach the network)`,
      );
    }
    request.signal.throwIfAborted();
    const pending = getResponse(handlersOf[provider], request);
    const response = await new Promise<Response | undefined>((resolve, reject) => {
      const abort = () => reject(request.signal.reason);
      request.signal.addEventListener("abort", abort, { once: true });
      pending.then(resolve, reject).finally(() => request.signal.removeEventListener("abort", abort));
    });
    if (!response) throw new TypeError(`[sandbox] no simulated endpoint for ${request.method} ${url.origin}${url.pathname}`);
    // A fault that acts and then drops the connection: surface it as fetch does.
    if (response.type === "error") throw new TypeError("fetch failed (sandbox: connection lost after the request)");
    return response;
  };

  const today = () => clock.now().toISOString().slice(0, 10);
  /** What each simulated vendor's adapter needs besides the common options: the simulated clock, fast polling. */
  const extraOptions: Readonly<Record<SandboxProvider, object>> = {
    unipile: { now: clock.now } satisfies UnipileOptions,
    leadmagic: {},
    theirstack: { today } satisfies TheirStackOptions,
    exa: {},
    firecrawl: { pollIntervalMs: 5 } satisfies FirecrawlOptions,
    parallel: { pollIntervalMs: 5 } satisfies ParallelOptions,
    sumble: { pollIntervalMs: 5, today } satisfies SumbleOptions,
  };

  function adapter<A extends ProviderInfo, O extends VendorFactoryOptions>(
    descriptor: VendorDescriptor<string, A, O>,
    extra: SandboxProvidersOptions = {},
  ): A {
    const provider = descriptor.simulated;
    if (!isSandboxProvider(provider)) {
      throw new Error(
        `[sandbox] vendor "${descriptor.name}" has no simulated counterpart "${provider}": add its fake to @offerlab/sandbox (sandbox-vendors.ts; see docs/contributing/add-a-vendor.md)`,
      );
    }
    const options = {
      apiKey: SANDBOX_API_KEYS[provider],
      baseUrl: SANDBOX_BASE_URLS[provider],
      fetch,
      ...(extra.onUsage ? { onUsage: extra.onUsage } : {}),
      ...(extra.gate ? { gate: extra.gate } : {}),
      ...extraOptions[provider],
    };
    // The extras are the vendor's own factory options (typed where they are listed above).
    return descriptor.create(options as O);
  }

  function providers(extra: SandboxProvidersOptions = {}): SandboxProviders {
    return {
      unipile: adapter(unipileVendor, extra),
      leadmagic: adapter(leadmagicVendor, extra),
      theirstack: adapter(theirstackVendor, extra),
      exa: adapter(exaVendor, extra),
      firecrawl: adapter(firecrawlVendor, extra),
      parallel: adapter(parallelVendor, extra),
      sumble: adapter(sumbleVendor, extra),
    };
  }

  // -- The world acting over time ---------------------------------------------------------------

  const queue: WorldEvent[] = [];
  let eventSeq = 0;
  const schedule = (at: number, run: () => Promise<void>) => {
    queue.push({ at, seq: ++eventSeq, run });
  };
  const deliveries: SandboxDelivery[] = [];
  const outcomes: SandboxOutcome[] = [];
  const replied = new Set<string>();
  const bouncing = new Map<string, boolean>();

  /**
   * Whether mail to an address bounces, decided once per address: a catch-all or unknown mailbox
   * that exists keeps accepting mail. Addresses outside the world do not exist.
   */
  function bouncesTo(address: string, person: SandboxPerson | undefined): boolean {
    let bounces = bouncing.get(address);
    if (bounces === undefined) {
      const status = person?.emailStatus ?? "invalid";
      bounces =
        status === "invalid" ||
        (status === "catch_all" && behaviour.chance(rates.catchAllBounceRate)) ||
        (status === "unknown" && behaviour.chance(rates.unknownBounceRate));
      bouncing.set(address, bounces);
    }
    return bounces;
  }
  let actionsSeen = 0;

  const outcome = (o: Omit<SandboxOutcome, "at">) => outcomes.push({ at: clock.now().toISOString(), ...o });
  const bookingDeliveries: SandboxBookingDelivery[] = [];

  /**
   * Some people who replied positively book a meeting on the sender's Cal.com page: a
   * `BOOKING_CREATED` webhook with Cal.com's documented shape, signed as Cal.com signs
   * (`X-Cal-Signature-256`, hex HMAC-SHA256 of the raw body), sometimes delivered twice.
   */
  const bookedPeople = new Set<string>();
  function maybeBook(
    person: SandboxPerson | undefined,
    channel: "linkedin" | "email",
    accountId: string,
    at: number,
    how: { rate: number; minHours: number; maxHours: number },
  ): void {
    if (!person || bookedPeople.has(person.id) || !booking.chance(how.rate)) return;
    bookedPeople.add(person.id);
    const bookedAt = at + booking.int(how.minHours * 60, how.maxHours * 60) * MINUTE;
    const day = new Date(bookedAt + booking.int(1, 6) * DAY);
    day.setUTCHours(booking.pick([14, 15, 16, 17, 18]), booking.pick([0, 30]), 0, 0);
    const uid = `sbx${booking.int(1e8, 1e9 - 1).toString(36)}${booking.int(1e8, 1e9 - 1).toString(36)}`;
    const duplicate = booking.chance(rates.duplicateRate);
    const host = world.accounts.find((a) => a.id === accountId);
    const organizerEmail = host?.self.includes("@")
      ? host.self
      : (world.accounts.find((a) => a.self.includes("@"))?.self ?? "sales@offerlab-demo.com");
    schedule(bookedAt, async () => {
      const created = clock.now().toISOString();
      const body = {
        triggerEvent: "BOOKING_CREATED",
        createdAt: created,
        payload: {
          type: "30min",
          title: `30 Min Meeting between ${host?.name ?? "Sales"} and ${person.full_name}`,
          startTime: day.toISOString(),
          endTime: new Date(day.getTime() + 30 * MINUTE).toISOString(),
          organizer: { name: host?.name ?? "Sales", email: organizerEmail, timeZone: "America/New_York" },
          attendees: [{ email: person.email, name: person.full_name, timeZone: "America/New_York" }],
          uid,
          status: "ACCEPTED",
        },
      };
      const rawBody = JSON.stringify(body);
      const headers = {
        "content-type": "application/json",
        "x-cal-signature-256": signCalComBody(rawBody, calcomSecret),
        [SANDBOX_WEBHOOK_HEADER]: "1",
      };
      outcome({ kind: "booked", channel, personId: person.id, accountId });
      const send = async (again: boolean) => {
        const record: SandboxBookingDelivery = {
          at: clock.now().toISOString(),
          uid,
          email: person.email,
          meetingAt: day.toISOString(),
          duplicate: again,
          outcome: "no_handler",
        };
        bookingDeliveries.push(record);
        if (!onBooking) return;
        try {
          await onBooking("cal_com", rawBody, { ...headers });
          record.outcome = "delivered";
        } catch (error) {
          record.outcome = "failed";
          record.error = error instanceof Error ? error.message : String(error);
        }
      };
      await send(false);
      // A redelivery a moment later (the signature still fresh): it must have no second effect.
      if (duplicate) schedule(nowMs + 30_000, () => send(true));
    });
  }

  const DEFAULT_EVENT: Record<string, string | undefined> = {
    messaging: "message_received",
    users: "new_relation",
    email: "mail_received",
    email_tracking: "mail_opened",
  };
  const SOURCE: Record<string, string> = {
    message_received: "messaging",
    new_relation: "users",
    mail_received: "email",
    mail_sent: "email",
    mail_opened: "email_tracking",
    mail_link_clicked: "email_tracking",
  };

  /**
   * Where Unipile would POST an event: every enabled webhook of its source, for its accounts and
   * events (a webhook created without `events` gets its source's default event only). With no
   * webhook registered, every event goes to the handler with `webhookHeaders`.
   */
  function targets(event: string, accountId: string | undefined): Record<string, string>[] {
    const hooks = vendors.unipile.state.webhooks;
    const mark = { [SANDBOX_WEBHOOK_HEADER]: "1" };
    if (hooks.length === 0) return [{ ...(options.webhookHeaders ?? { "content-type": "application/json" }), ...mark }];
    const source = event === "AccountStatus" ? "account_status" : SOURCE[event];
    return hooks
      .filter(
        (h) =>
          h.enabled &&
          h.source === source &&
          (source === "account_status" || (h.events.length ? h.events : [DEFAULT_EVENT[h.source]]).includes(event)) &&
          (h.account_ids.length === 0 || (accountId !== undefined && h.account_ids.includes(accountId))),
      )
      .map((h) => ({ ...Object.fromEntries(h.headers.map((x) => [x.key, x.value])), ...mark }));
  }

  function deliver(payload: Record<string, unknown>, at: number): void {
    const event = typeof payload.event === "string" ? payload.event : "AccountStatus";
    const accountId =
      typeof payload.account_id === "string"
        ? payload.account_id
        : (payload.AccountStatus as { account_id?: string } | undefined)?.account_id;
    for (const headers of targets(event, accountId)) attempt(payload, headers, event, at, 1, false);
  }

  const RETRY_DELAYS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR];
  function attempt(
    payload: Record<string, unknown>,
    headers: Record<string, string>,
    event: string,
    at: number,
    n: number,
    duplicate: boolean,
  ): void {
    schedule(at, async () => {
      const record: SandboxDelivery = {
        at: clock.now().toISOString(),
        provider: "unipile",
        event,
        payload,
        headers,
        attempt: n,
        duplicate,
        outcome: "no_handler",
      };
      deliveries.push(record);
      if (!onWebhook) return;
      try {
        await onWebhook("unipile", structuredClone(payload), { ...headers });
        record.outcome = "delivered";
        if (!duplicate && behaviour.chance(rates.duplicateRate))
          attempt(payload, headers, event, nowMs + behaviour.int(20, 300) * 1000, 1, true);
      } catch (error) {
        record.outcome = "failed";
        record.error = error instanceof Error ? error.message : String(error);
        const delay = RETRY_DELAYS[n - 1];
        if (delay !== undefined) attempt(payload, headers, event, nowMs + delay, n + 1, duplicate);
      }
    });
  }

  // Known copy effects (options.copyEffects): the multiplier each person's copy earned so far.
  const copyEffects = options.copyEffects ?? [];
  for (const e of copyEffects) {
    if (!e.contains || !(e.multiplier > 0))
      throw new RangeError(`[sandbox] copyEffects: each needs a non-empty "contains" and a multiplier > 0`);
  }
  const copyBoost = new Map<string, number>();
  const noteCopy = (person: SandboxPerson | undefined, text: string | null | undefined): void => {
    if (!person || !text) return;
    for (const e of copyEffects) {
      if (text.includes(e.contains)) copyBoost.set(person.id, Math.max(copyBoost.get(person.id) ?? 0, e.multiplier));
    }
  };
  const boostOf = (person: SandboxPerson | undefined) => (person ? (copyBoost.get(person.id) ?? 1) : 1);

  const signalAndFit = (person: SandboxPerson | undefined) => {
    const company = person ? companyByDomain.get(person.companyDomain) : undefined;
    const fit = person && company ? fitOf(person, company, currentIcp()) : 0.3;
    return { fit, score: 0.5 * fit + 0.5 * (company?.signalStrength ?? 0), responsiveness: person?.responsiveness ?? 0.3 };
  };

  /** How a reply of `kind` leads to a booking: most positive replies do, some questions. */
  const afterReply = (kind: "positive" | "question") => ({
    rate: kind === "positive" ? rates.meetingRate : rates.meetingRate / 2,
    minHours: 2,
    maxHours: 30,
  });
  /** A booking straight from the link in a message, without a reply. */
  const direct = (score: number, responsiveness: number) => ({
    rate: scaled(rates.directBookingRate, replyMultiplier(score, responsiveness)),
    minHours: 1,
    maxHours: 72,
  });

  function replyKind(fit: number): ReplyKind {
    return behaviour.weighted({
      positive: 0.12 + 0.4 * fit,
      negative: 0.32 - 0.12 * fit,
      question: 0.18,
      ooo: 0.14,
      unsubscribe: 0.1 - 0.05 * fit,
    });
  }

  function replyText(kind: ReplyKind): string {
    const text = behaviour.pick(REPLY_TEXTS[kind]);
    const back = new Date(nowMs + behaviour.int(3, 14) * DAY);
    return text.replace("{date}", back.toLocaleDateString("en-US", { month: "long", day: "numeric", timeZone: "UTC" }));
  }

  const hoursLognormal = (medianHours: number) => {
    // Box–Muller on the seeded stream: a long tail of slow responders.
    const u = Math.max(1e-9, behaviour.next());
    const v = behaviour.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.min(9 * 24, Math.max(0.2, medianHours * Math.exp(z)));
  };

  function onInvitation(id: string, at: number): void {
    const inv = vendors.unipile.state.invitations.find((i) => i.id === id);
    if (!inv) return;
    const person = personByProviderId.get(inv.provider_id);
    noteCopy(person, inv.message);
    const { score, responsiveness } = signalAndFit(person);
    // Second-degree people accept at about the configured rate; strangers less often.
    const degree = person?.degree === 2 ? 1 : person?.degree === 3 ? 0.6 : 0.35;
    if (!behaviour.chance(scaled(rates.acceptRate, degree * (0.5 + responsiveness) * (0.7 + 0.9 * score) * boostOf(person)))) return;
    const late = behaviour.chance(rates.lateAcceptanceShare);
    const delay = late ? behaviour.int(10 * 24, 25 * 24) * HOUR : hoursLognormal(rates.acceptMedianHours) * HOUR;
    schedule(at + Math.round(delay), async () => {
      // Withdrawn in the meantime, or accepted through another path: nothing to accept.
      if (!vendors.unipile.state.invitations.some((i) => i.id === id)) return;
      const { newRelation, noteEcho } = vendors.unipile.acceptInvitation(id);
      if (person) person.degree = 1;
      outcome({ kind: "accepted", channel: "linkedin", personId: person?.id ?? null, accountId: inv.account_id });
      // The note echo is real time; `new_relation` comes when Unipile next polls LinkedIn (up to ~8 h).
      if (noteEcho) deliver(noteEcho, nowMs);
      deliver(newRelation, nowMs + behaviour.int(5, 8 * 60) * MINUTE);
    });
  }

  function onLinkedInMessage(messageId: string, at: number): void {
    const message = vendors.unipile.state.messages.find((m) => m.id === messageId);
    const chat = message && vendors.unipile.state.chats.find((c) => c.id === message.chat_id);
    if (!message || !chat) return;
    const person = personByProviderId.get(chat.attendee_provider_id);
    noteCopy(person, message.text);
    const key = `linkedin:${chat.attendee_provider_id}`;
    const { fit, score, responsiveness } = signalAndFit(person);
    maybeBook(person, "linkedin", chat.account_id, at, direct(score, responsiveness));
    if (replied.has(key)) return;
    if (!behaviour.chance(scaled(rates.dmReplyRate, replyMultiplier(score, responsiveness) * boostOf(person)))) return;
    replied.add(key);
    const kind = replyKind(fit);
    schedule(at + Math.round(hoursLognormal(kind === "ooo" ? 0.3 : 10) * HOUR), async () => {
      const payload = vendors.unipile.receiveMessage({
        accountId: chat.account_id,
        fromProviderId: chat.attendee_provider_id,
        text: replyText(kind),
      });
      outcome({ kind: "replied", channel: "linkedin", personId: person?.id ?? null, accountId: chat.account_id, reply: kind });
      deliver(payload, nowMs);
      if (kind === "positive" || kind === "question") maybeBook(person, "linkedin", chat.account_id, nowMs, afterReply(kind));
    });
  }

  function onEmail(emailId: string, at: number): void {
    const email = vendors.unipile.state.emails.find((e) => e.id === emailId);
    if (!email || !email.tracking_id) return;
    const trackingId = email.tracking_id;
    const address = (email.to_attendees[0]?.identifier ?? "").toLowerCase();
    const person = personByEmail.get(address);
    noteCopy(person, email.body);
    deliver(vendors.unipile.mailSentEvent(trackingId), at + behaviour.int(1, 10) * 1000);
    outcome({ kind: "sent", channel: "email", personId: person?.id ?? null, accountId: email.account_id });
    if (bouncesTo(address, person)) {
      schedule(at + behaviour.int(1, 15) * MINUTE, async () => {
        const payload = vendors.unipile.receiveEmailReply({
          trackingOrEmailId: trackingId,
          text: BOUNCE_TEXT.replace("{email}", address),
          from: "mailer-daemon@googlemail.com",
          fromName: "Mail Delivery Subsystem",
          subject: "Delivery Status Notification (Failure)",
        });
        outcome({ kind: "bounced", channel: "email", personId: person?.id ?? null, accountId: email.account_id });
        deliver(payload, nowMs);
      });
      return;
    }
    const { fit, score, responsiveness } = signalAndFit(person);
    maybeBook(person, "email", email.account_id, at, direct(score, responsiveness));
    if (behaviour.chance(scaled(rates.openRate, 0.6 + 0.8 * responsiveness))) {
      const firstOpen = at + Math.round(hoursLognormal(3) * HOUR);
      const opens = behaviour.int(1, 3);
      for (let i = 0; i < opens; i++) {
        schedule(firstOpen + i * behaviour.int(10, 48 * 60) * MINUTE, async () => {
          outcome({ kind: "opened", channel: "email", personId: person?.id ?? null, accountId: email.account_id });
          deliver(vendors.unipile.trackingEvent(trackingId, "mail_opened"), nowMs);
        });
      }
      if (behaviour.chance(rates.clickRate)) {
        schedule(firstOpen + behaviour.int(1, 20) * MINUTE, async () => {
          outcome({ kind: "clicked", channel: "email", personId: person?.id ?? null, accountId: email.account_id });
          deliver(
            vendors.unipile.trackingEvent(trackingId, "mail_link_clicked", `https://www.${person?.companyDomain ?? "example.com"}/`),
            nowMs,
          );
        });
      }
    }
    const key = `email:${address}`;
    if (replied.has(key) || !behaviour.chance(scaled(rates.emailReplyRate, replyMultiplier(score, responsiveness) * boostOf(person))))
      return;
    replied.add(key);
    const kind = replyKind(fit);
    schedule(at + Math.round(hoursLognormal(kind === "ooo" ? 0.05 : 14) * HOUR), async () => {
      const payload = vendors.unipile.receiveEmailReply({ trackingOrEmailId: trackingId, text: replyText(kind) });
      outcome({ kind: "replied", channel: "email", personId: person?.id ?? null, accountId: email.account_id, reply: kind });
      deliver(payload, nowMs);
      if (kind === "positive" || kind === "question") maybeBook(person, "email", email.account_id, nowMs, afterReply(kind));
    });
  }

  /** Turns what the fake acted on since last time into scheduled reactions. */
  function ingest(): void {
    const actions = vendors.unipile.state.actions;
    for (; actionsSeen < actions.length; actionsSeen++) {
      const action = actions[actionsSeen];
      if (!action) continue;
      const at = Math.max(Date.parse(action.at), startAt);
      if (action.kind === "invitation") onInvitation(action.id, at);
      else if (action.kind === "email") onEmail(action.id, at);
      else onLinkedInMessage(action.id, at);
    }
  }

  function nextEvent(): WorldEvent | undefined {
    let best: WorldEvent | undefined;
    for (const e of queue) if (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
    return best;
  }

  // Advances run one at a time: two overlapping ones would interleave the world's events. A failed
  // advance fails its caller only; the next one starts from where it stopped.
  let running: Promise<void> = Promise.resolve();
  const serialised = (run: () => Promise<void>): Promise<void> => {
    const next = running.then(run);
    running = next.catch(() => undefined);
    return next;
  };
  async function runTo(target: number): Promise<void> {
    ingest();
    for (let e = nextEvent(); e && e.at <= target; e = nextEvent()) {
      queue.splice(queue.indexOf(e), 1);
      clock.set(e.at);
      await e.run();
      ingest();
    }
    clock.set(target);
  }

  return {
    seed,
    world,
    vendors,
    handlers,
    fetch,
    clock,
    llm,
    journal: journal.entries,
    deliveries,
    outcomes,
    bookings: bookingDeliveries,
    calcomSecret,
    baseUrls: SANDBOX_BASE_URLS,
    apiKeys: SANDBOX_API_KEYS,
    providers,
    adapter,
    advanceTo(time) {
      let target: number;
      try {
        target = toMs(time);
      } catch (error) {
        return Promise.reject(error);
      }
      return serialised(() => runTo(Math.max(target, nowMs)));
    },
    tick(ms = 0) {
      if (!(ms >= 0)) return Promise.reject(new RangeError(`[sandbox] time only moves forward (tick(${ms}))`));
      // Measured from where the clock is when this tick's turn comes, after earlier advances.
      return serialised(() => runTo(nowMs + ms));
    },
    nextEventAt() {
      ingest();
      const e = nextEvent();
      return e ? new Date(e.at) : null;
    },
    setWebhookHandler(handler) {
      onWebhook = handler;
    },
    setBookingHandler(handler) {
      onBooking = handler;
    },
    setIcp(next) {
      explicitIcp = next;
    },
    icp: currentIcp,
    async setAccountStatus(accountId, status) {
      deliver(vendors.unipile.setAccountStatus(accountId, status), nowMs);
      await this.tick();
    },
    journalJsonl: () => journal.toJsonl(),
  };
}
