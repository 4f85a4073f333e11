/**
 * The randomised model test of the send path (issue 6 "Tests", SEND-PATH.md §3 row 10).
 *
 * fast-check generates random walks over {enqueue, follow-up, tick, crash at a random point,
 * reply (between steps and inside a tick), a zombie runner that stalls past its lease, clock
 * advance, reaper, reconciler, do_not_contact, provider faults, account pause/resume/limits/health}.
 * One sequential runner and the Unipile MSW fake, whose own record of what it sent (each email
 * carries our `X-Offerlab-Send-Id` header = attempt id) is the ground truth. After EVERY step the
 * invariants of docs/architecture.md are checked against the database and the fake; at the end everything is
 * drained (faults cleared, accounts fixed, clock advanced, reap, reconcile, tick until idle) and no
 * row may be lost.
 *
 * PGlite by default (sequential interleavings are what it serves well); a few smaller runs on
 * PostgreSQL when TEST_DATABASE_URL is set.
 *
 * Reproduce: every run logs its seed; a failure reports fast-check's seed and path, the failing
 * step and the operations up to it (JSON).
 *   MODEL_SEED=<seed> [MODEL_PATH=<path>] npx vitest run src/runtime/__tests__/model.test.ts
 *   MODEL_OPS='<json ops>' replays one exact sequence; MODEL_SHRINK=1 lets fast-check shrink;
 *   MODEL_RUNS / MODEL_STEPS change the size.
 */
import { campaignContacts, contacts } from "@offerlab/db";
import type { TestEngine } from "@offerlab/db/testing";
import { createUnipile } from "@offerlab/provider-unipile";
import type { UnipileMockState } from "@offerlab/provider-unipile/msw";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { effectiveLimits, isInWindow, windowFromCampaign, type SendWindow } from "../../engine/index.js";
import { dispatchBatch, dispatchOne, sendClaimed } from "../dispatch.js";
import { reapExpired } from "../reaper.js";
import { reconcileUnknown } from "../reconciler.js";
import { recordReply } from "../stop-on-reply.js";
import { RunnerCrash, type CrashPoint, type DispatchOutcome, type SendPathOptions } from "../types.js";
import { mswServer, seedWorld, type World } from "./world.js";

const server = mswServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const PG = Boolean(process.env.TEST_DATABASE_URL);
const LEASE_MS = 60_000;
const SEND_ID_HEADER = "x-offerlab-send-id";
// Attempts whose quota stays reserved: in flight, sent, or possibly sent (`undetermined`).
const HOLDING = ["claimed", "sending", "sent", "unknown", "undetermined"] as const;
const OPEN = ["claimed", "sending", "unknown"];
const ROW_STATES = new Set(["pending", "scheduled", "processing", "sent", "failed", "cancelled", "skipped"]);
const TERMINAL = new Set(["sent", "failed", "cancelled", "skipped"]);
const CRASH_POINTS: CrashPoint[] = ["after_claim", "after_mark_sending", "during_call", "after_call", "during_record"];
const SEND_FAULTS = [
  "response_lost",
  "timeout",
  "server_error",
  "rate_limited",
  "rate_limited_retry_after",
  "refusal",
  "unauthorized",
  "invalid",
] as const;

// ---------------------------------------------------------------------------------------------
// Operations

export type Op =
  | { k: "enqueue"; n: number; account: number; dueInS: number; dnc: boolean }
  | { k: "followUp"; cc: number; dueInS: number; subject: boolean }
  | { k: "tick" }
  | { k: "crash"; point: CrashPoint }
  | { k: "replyInTick"; point: "after_claim" | "after_mark_sending" }
  | { k: "zombie"; reconcile: boolean }
  | { k: "advance"; ms: number }
  | { k: "reap" }
  | { k: "reconcile" }
  | { k: "reply"; cc: number }
  | { k: "dnc"; cc: number }
  | { k: "fault"; fault: (typeof SEND_FAULTS)[number]; times: number; retryAfterS: number }
  | { k: "readFault"; times: number }
  | { k: "account"; account: number; change: "pause" | "resume" | "limits" | "health"; daily: number; hourly: number; health: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({ k: "tick" } as const) },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant("enqueue" as const),
      n: fc.integer({ min: 1, max: 3 }),
      account: fc.nat(2),
      dueInS: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: -120, max: 0 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 900 }) },
      ),
      dnc: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("followUp" as const),
      cc: fc.nat(),
      dueInS: fc.integer({ min: -60, max: 1800 }),
      subject: fc.boolean(),
    }),
  },
  { weight: 9, arbitrary: fc.record({ k: fc.constant("crash" as const), point: fc.constantFrom(...CRASH_POINTS) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("replyInTick" as const),
      point: fc.constantFrom("after_claim" as const, "after_mark_sending" as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("zombie" as const), reconcile: fc.boolean() }) },
  {
    weight: 12,
    arbitrary: fc
      .oneof(
        { weight: 5, arbitrary: fc.integer({ min: 1_000, max: 180_000 }) },
        { weight: 4, arbitrary: fc.integer({ min: LEASE_MS + 1_000, max: 3 * LEASE_MS }) },
        { weight: 1, arbitrary: fc.integer({ min: 3_600_000, max: 30 * 3_600_000 }) },
      )
      .map((ms) => ({ k: "advance" as const, ms })),
  },
  { weight: 5, arbitrary: fc.constant({ k: "reap" } as const) },
  { weight: 5, arbitrary: fc.constant({ k: "reconcile" } as const) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("reply" as const), cc: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dnc" as const), cc: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("fault" as const),
      fault: fc.constantFrom(...SEND_FAULTS),
      times: fc.integer({ min: 1, max: 2 }),
      retryAfterS: fc.integer({ min: 5, max: 900 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("readFault" as const), times: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("account" as const),
      account: fc.nat(2),
      change: fc.constantFrom("pause" as const, "resume" as const, "limits" as const, "health" as const),
      daily: fc.integer({ min: 0, max: 12 }),
      hourly: fc.integer({ min: 1, max: 6 }),
      health: fc.constantFrom(10, 29, 30, 80, 100),
    }),
  },
);

// ---------------------------------------------------------------------------------------------
// The model: what the test itself knows about the world, and the checks

type Email = UnipileMockState["emails"][number];
interface Cc {
  id: string;
  contactId: string;
  email: string;
  accountId: string;
  subject: string;
  followUp: boolean;
}
interface AccountSnap {
  id: string;
  unipile: string;
  status: string;
  limited_until: Date | null;
  health_score: number;
  daily: number;
  hourly: number;
}

class InvariantError extends Error {}

class ModelRun {
  readonly ccs: Cc[] = [];
  /** queue id → what the model knows of it */
  readonly rows = new Map<string, { ccId: string; email: string; step: number }>();
  /** campaign contact → attempts that were already in flight when its reply was recorded */
  readonly replied = new Map<string, Set<string>>();
  /** person's email → attempts in flight when they became do_not_contact (none when they always were) */
  readonly dnc = new Map<string, Set<string>>();
  readonly trace: string[] = [];
  private seenEmails = 0;
  private readonly sendsPerRow = new Map<string, number>();
  private readonly perDay = new Map<string, number>();
  private readonly perHour = new Map<string, number>();
  private readonly emailAttempts = new Set<string>();
  private snap = new Map<string, AccountSnap>();
  private next = 0;
  window!: SendWindow;
  opts!: SendPathOptions;
  steps = 0;

  /**
   * Sends in flight at once per tick: 1 is one `dispatchOne`; more run that many side by side.
   * `batch`: the tick's rows come from one batch claim (`dispatchBatch`), each then sent on its
   * own, as the free lanes of `runSendPath` do; else each lane claims on its own, as runners do.
   */
  constructor(
    readonly w: World,
    readonly concurrency = 1,
    readonly batch = false,
  ) {}

  async init(businessHours: boolean): Promise<void> {
    const w = this.w;
    // The fake stamps what it sends with `new Date()`, and reconciliation compares those stamps
    // with our attempts' times: one clock for both.
    vi.setSystemTime(w.clock.now);
    // Reads are never retried in the model (a retry would only sleep in real time).
    const unipile = createUnipile({
      apiKey: w.mock.apiKey,
      baseUrl: w.mock.baseUrl,
      reconcileSettleMs: 0,
      timeoutMs: 5_000,
      retry: { maxAttempts: 1 },
    });
    w.senders = { email: unipile, linkedin: unipile, reconciler: unipile };
    if (businessHours) {
      await w.db
        .updateTable("campaigns")
        .set({ send_window_start: "08:00", send_window_end: "18:00", send_days: [1, 2, 3, 4, 5], timezone: "Europe/Paris" })
        .execute();
    }
    const campaign = await w.db.selectFrom("campaigns").selectAll().where("id", "=", w.campaignId).executeTakeFirstOrThrow();
    this.window = windowFromCampaign(campaign);
    await w.db.updateTable("accounts").set({ daily_limit_emails: 12, hourly_limit: 6 }).execute();
    this.opts = {
      db: w.db,
      senders: w.senders,
      now: () => w.clock.now,
      leaseMs: LEASE_MS,
      // Well under the lease, as in production; the fake's `timeout` fault stalls 2 s.
      providerTimeoutMs: 300,
      accountGapMs: { min: 1_000, max: 45_000 },
      runnerId: "model",
    };
    await this.snapshotAccounts();
  }

  advance(ms: number): void {
    this.w.clock.advance(ms);
    vi.setSystemTime(this.w.clock.now);
  }

  fail(message: string): never {
    throw new InvariantError(message);
  }

  async snapshotAccounts(): Promise<void> {
    const rows = await this.w.db.selectFrom("accounts").selectAll().execute();
    this.snap = new Map(
      rows.map((a) => {
        const limits = effectiveLimits(a);
        return [
          a.id,
          {
            id: a.id,
            unipile: a.unipile_account_id ?? "",
            status: a.status,
            limited_until: a.limited_until,
            health_score: a.health_score,
            daily: limits.email,
            hourly: limits.hourly,
          },
        ];
      }),
    );
  }

  /** Attempts of the given rows that may already have reached the provider (a reply or a stop cannot recall them). */
  private async inFlight(where: { ccId?: string; email?: string }): Promise<Set<string>> {
    const ids = [...this.rows].filter(([, r]) => (where.ccId ? r.ccId === where.ccId : r.email === where.email)).map(([id]) => id);
    if (!ids.length) return new Set();
    const rows = await this.w.db
      .selectFrom("send_attempts")
      .select("id")
      .where("send_queue_id", "in", ids)
      .where("status", "in", ["sending", "unknown"])
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  // -- operations ---------------------------------------------------------------------------

  async enqueue(op: Extract<Op, { k: "enqueue" }>): Promise<string> {
    const w = this.w;
    const accountId = w.accountIds[op.account % w.accountIds.length]!;
    const due = new Date(w.clock.now.getTime() + op.dueInS * 1000);
    const company = await w.db.selectFrom("companies").select("id").executeTakeFirstOrThrow();
    const made: string[] = [];
    for (let i = 0; i < op.n; i++) {
      const k = this.next++;
      const email = `p${k}@acme.example`;
      const contact = (
        await contacts.upsert(w.db, {
          offer_id: w.offerId,
          company_id: company.id,
          source_tool: "manual",
          full_name: `Person ${k}`,
          email,
          status: "ready",
        })
      ).contact;
      if (op.dnc) {
        await w.db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("id", "=", contact.id).execute();
        this.dnc.set(email, new Set());
      }
      const cc = (await campaignContacts.add(w.db, { campaign_id: w.campaignId, contact_id: contact.id, status: "in_progress" }))
        .campaignContact;
      const subject = `Hello ${k}`;
      this.ccs.push({ id: cc.id, contactId: contact.id, email, accountId, subject, followUp: false });
      const q = await this.insertRow(cc.id, contact.id, accountId, 1, subject, `Hi Person ${k}, a short note.`, due);
      this.rows.set(q, { ccId: cc.id, email, step: 1 });
      made.push(email);
    }
    return `${made.join(",")} due ${op.dueInS}s${op.dnc ? " (do_not_contact)" : ""}`;
  }

  private async insertRow(
    ccId: string,
    contactId: string,
    accountId: string,
    step: number,
    subject: string | null,
    body: string,
    due: Date,
  ): Promise<string> {
    const w = this.w;
    const q = await w.db
      .insertInto("send_queue")
      .values({
        campaign_id: w.campaignId,
        campaign_contact_id: ccId,
        contact_id: contactId,
        account_id: accountId,
        channel: "email",
        action_type: "email",
        sequence_step: step,
        subject,
        body,
        scheduled_for: due,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await w.db
      .insertInto("messages")
      .values({
        campaign_contact_id: ccId,
        campaign_id: w.campaignId,
        contact_id: contactId,
        account_id: accountId,
        send_queue_id: q.id,
        channel: "email",
        action_type: "email",
        sequence_step: step,
        subject,
        body,
        status: "queued",
        scheduled_at: due,
      })
      .execute();
    return q.id;
  }

  async followUp(op: Extract<Op, { k: "followUp" }>): Promise<string> {
    const cc = this.ccs.filter((c) => !c.followUp)[op.cc % Math.max(1, this.ccs.filter((c) => !c.followUp).length)];
    if (!cc) return "no campaign contact without a follow-up";
    cc.followUp = true;
    const due = new Date(this.w.clock.now.getTime() + op.dueInS * 1000);
    // Without a subject the step continues the first email's thread ("Re: …").
    const q = await this.insertRow(
      cc.id,
      cc.contactId,
      cc.accountId,
      2,
      op.subject ? `Following up, ${cc.subject}` : null,
      `Just bumping this, ${cc.email}.`,
      due,
    );
    this.rows.set(q, { ccId: cc.id, email: cc.email, step: 2 });
    return `${cc.email} step 2 due ${op.dueInS}s${op.subject ? "" : " (in thread)"}`;
  }

  async tick(crashAt?: SendPathOptions["crashAt"]): Promise<string> {
    const one = async (hook?: SendPathOptions["crashAt"]): Promise<string> => {
      try {
        const out = await dispatchOne({ ...this.opts, ...(hook ? { crashAt: hook } : {}) });
        return `${out.kind}${"reason" in out ? ` ${out.reason}` : ""}`;
      } catch (error) {
        if (error instanceof RunnerCrash) return `crashed ${error.point}`;
        throw error;
      }
    };
    if (this.concurrency === 1) return one(crashAt);
    // Several sends side by side in one runner. A crash kills the process: once one lane died,
    // the others die at their next crash point (as `runSendPath` does with its lanes).
    let crashed = false;
    const hook: SendPathOptions["crashAt"] = async (point, info) => {
      if (crashed) throw new RunnerCrash(point);
      try {
        await crashAt?.(point, info);
      } catch (error) {
        if (error instanceof RunnerCrash) crashed = true;
        throw error;
      }
    };
    const outs = this.batch ? await this.batchTick(hook) : await Promise.all(Array.from({ length: this.concurrency }, () => one(hook)));
    // The first word stays the tick's kind (the drain stops on idle/busy): idle or busy only when every lane was.
    const quiet = outs.every((o) => o === "idle" || o === "busy");
    const lead = quiet ? outs[0]! : (outs.find((o) => o.startsWith("crashed")) ?? outs.find((o) => o !== "idle" && o !== "busy")!);
    return [lead, ...outs.filter((o) => o !== lead)].join(" | ");
  }

  /** One batch claim for every lane, then each claimed row sent side by side (a crash kills them all). */
  private async batchTick(hook: NonNullable<SendPathOptions["crashAt"]>): Promise<string[]> {
    const said = (out: DispatchOutcome) => `${out.kind}${"reason" in out ? ` ${out.reason}` : ""}`;
    const got = await dispatchBatch(this.opts, this.concurrency);
    return Promise.all(
      got.map(async (c) => {
        if (c.kind !== "claimed") return said(c);
        try {
          return said(await sendClaimed({ ...this.opts, crashAt: hook }, c));
        } catch (error) {
          if (error instanceof RunnerCrash) return `crashed ${error.point}`;
          throw error;
        }
      }),
    );
  }

  async reply(ccId: string): Promise<string> {
    const allowed = await this.inFlight({ ccId });
    const prior = this.replied.get(ccId);
    const res = await recordReply(
      { db: this.w.db, now: () => this.w.clock.now },
      { campaignContactId: ccId, text: "Thanks, not now", sentiment: "negative" },
    );
    if (!prior) this.replied.set(ccId, allowed);
    return `cancelled ${res.cancelled}, in flight ${allowed.size}`;
  }

  async markDnc(email: string): Promise<string> {
    if (this.dnc.has(email)) return "already do_not_contact";
    const allowed = await this.inFlight({ email });
    await this.w.db.updateTable("contacts").set({ global_status: "do_not_contact" }).where("email", "=", email).execute();
    this.dnc.set(email, allowed);
    return `in flight ${allowed.size}`;
  }

  async apply(op: Op): Promise<string> {
    const w = this.w;
    const ccAt = (n: number) => this.ccs[n % Math.max(1, this.ccs.length)];
    switch (op.k) {
      case "enqueue":
        return this.enqueue(op);
      case "followUp":
        return this.followUp(op);
      case "tick":
        return this.tick();
      case "crash":
        return this.tick((p) => {
          if (p === op.point) throw new RunnerCrash(p);
        });
      case "replyInTick":
        return this.tick(async (p, info) => {
          if (p !== op.point) return;
          const row = this.rows.get(info.queueId);
          if (row) this.trace.push(`    reply inside the tick at ${p}: ${await this.reply(row.ccId)}`);
        });
      case "zombie":
        // The provider answered, then the runner stalls past its lease before recording: the
        // reaper (and maybe the reconciler) act meanwhile, then the runner wakes up.
        return this.tick(async (p) => {
          if (p !== "after_call") return;
          this.advance(LEASE_MS + 5_000);
          const reaped = await reapExpired(this.opts);
          const rec = op.reconcile ? await reconcileUnknown(this.opts) : null;
          this.trace.push(
            `    zombie stalls past its lease: reaped ${JSON.stringify(reaped)}${rec ? `, reconciled ${JSON.stringify(rec)}` : ""}`,
          );
        });
      case "advance":
        this.advance(op.ms);
        return `now ${w.clock.now.toISOString()}`;
      case "reap":
        return JSON.stringify(await reapExpired(this.opts));
      case "reconcile":
        return JSON.stringify(await reconcileUnknown(this.opts));
      case "reply": {
        const cc = ccAt(op.cc);
        return cc ? `${cc.email}: ${await this.reply(cc.id)}` : "nobody to reply";
      }
      case "dnc": {
        const cc = ccAt(op.cc);
        return cc ? `${cc.email}: ${await this.markDnc(cc.email)}` : "nobody";
      }
      case "fault":
        w.mock.fail(op.fault, {
          times: op.times,
          match: "POST /emails",
          retryAfterSeconds: op.retryAfterS,
          ...(op.fault === "refusal" ? { type: "errors/recipient_rejected" } : {}),
        });
        return "armed";
      case "readFault":
        w.mock.fail("server_error", { times: op.times, match: "GET /emails" });
        return "armed";
      case "account": {
        const id = w.accountIds[op.account % w.accountIds.length]!;
        const q = w.db.updateTable("accounts").where("id", "=", id);
        if (op.change === "pause") await q.set({ status: "paused" }).execute();
        else if (op.change === "resume") await q.set({ status: "active" }).where("status", "in", ["paused", "disconnected"]).execute();
        else if (op.change === "limits") await q.set({ daily_limit_emails: op.daily, hourly_limit: op.hourly }).execute();
        else await q.set({ health_score: op.health }).execute();
        return `account ${op.account % w.accountIds.length}`;
      }
    }
  }

  // -- invariants ---------------------------------------------------------------------------

  async check(): Promise<void> {
    const w = this.w;
    const attempts = await w.db.selectFrom("send_attempts").select(["id", "send_queue_id", "account_id", "status"]).execute();
    const byId = new Map(attempts.map((a) => [a.id, a]));
    const emails = w.mock.state.emails;

    // What the fake actually sent since the last step.
    for (; this.seenEmails < emails.length; this.seenEmails++) {
      const e = emails[this.seenEmails] as Email;
      if (e.role !== "sent") continue;
      const sendId = e.headers.find((h) => h.name.toLowerCase() === SEND_ID_HEADER)?.value;
      if (!sendId) this.fail(`an email went out without our send id: ${e.id}`);
      const attempt = byId.get(sendId) ?? this.fail(`email ${e.id} carries send id ${sendId}, which is no attempt of ours`);
      const row = this.rows.get(attempt.send_queue_id) ?? this.fail(`email ${e.id} belongs to unknown queue row ${attempt.send_queue_id}`);
      this.emailAttempts.add(sendId);
      const n = (this.sendsPerRow.get(attempt.send_queue_id) ?? 0) + 1;
      this.sendsPerRow.set(attempt.send_queue_id, n);
      // Invariant 1: a queue row causes at most one real send.
      if (n > 1) this.fail(`queue row ${attempt.send_queue_id} (${row.email} step ${row.step}) was really sent ${n} times`);
      const to = e.to_attendees.map((t) => t.identifier);
      if (to.length !== 1 || to[0] !== row.email) this.fail(`email for ${row.email} went to ${to.join(",")}`);
      const acct = this.snap.get(attempt.account_id) ?? this.fail(`attempt ${sendId} of unknown account`);
      if (e.account_id !== acct.unipile) this.fail(`email of ${row.email} sent from ${e.account_id}, attempt account ${acct.unipile}`);
      const at = new Date(e.date);
      // Invariant 7: only an active, healthy account sends (a lapsed cooldown counts as active).
      const usable = acct.status === "active" || (acct.status === "limited" && (!acct.limited_until || acct.limited_until <= at));
      if (!usable || acct.health_score < 30)
        this.fail(`account ${acct.unipile} (status ${acct.status}, health ${acct.health_score}) sent to ${row.email}`);
      // Invariant 2: the daily and hourly limits hold for real sends.
      const day = `${acct.id}|${e.date.slice(0, 10)}`;
      const hour = `${acct.id}|${e.date.slice(0, 13)}`;
      this.perDay.set(day, (this.perDay.get(day) ?? 0) + 1);
      this.perHour.set(hour, (this.perHour.get(hour) ?? 0) + 1);
      if (this.perDay.get(day)! > acct.daily)
        this.fail(
          `account ${acct.unipile} really sent ${this.perDay.get(day)} emails on ${day.split("|")[1]}, over its daily limit ${acct.daily}`,
        );
      if (this.perHour.get(hour)! > acct.hourly)
        this.fail(
          `account ${acct.unipile} really sent ${this.perHour.get(hour)} emails in hour ${hour.split("|")[1]}, over its hourly limit ${acct.hourly}`,
        );
      // Invariant 3: inside the campaign's window.
      if (!isInWindow(this.window, at)) this.fail(`email to ${row.email} left at ${e.date}, outside the send window`);
      // Invariant 5: nothing after a recorded reply, except what was already in flight then.
      const replied = this.replied.get(row.ccId);
      if (replied && !replied.has(sendId)) this.fail(`${row.email} (step ${row.step}) got an email after their reply was recorded`);
      // Invariant 4: nothing to a do_not_contact person.
      const dnc = this.dnc.get(row.email);
      if (dnc && !dnc.has(sendId)) this.fail(`${row.email} is do_not_contact and got an email (step ${row.step})`);
    }

    // Attempts agree with reality: a recorded send happened; a real send is never written off.
    for (const a of attempts) {
      if (a.status === "sent" && !this.emailAttempts.has(a.id))
        this.fail(`attempt ${a.id} is recorded sent but the provider never sent it`);
      if (this.emailAttempts.has(a.id) && !["sent", "unknown", "sending"].includes(a.status)) {
        this.fail(`attempt ${a.id} really sent an email but is recorded ${a.status} (row ${a.send_queue_id})`);
      }
      if (!this.rows.has(a.send_queue_id)) this.fail(`attempt ${a.id} of unknown row`);
    }

    // Every queue row is in a legal state, with books that match it.
    const { rows } = await sql<{
      id: string;
      status: string;
      current_attempt_id: string | null;
      attempts: number;
      max_attempts: number;
      n_attempts: number;
      n_open: number;
      open_ids: string | null;
      open_status: string | null;
      n_sent: number;
      n_called: number;
      n_msgs: number;
      n_msgs_sent: number;
      n_msgs_sending: number;
      n_history: number;
    }>`
      SELECT q.id, q.status, q.current_attempt_id, q.attempts, q.max_attempts,
        (SELECT count(*) FROM send_attempts a WHERE a.send_queue_id = q.id)::int AS n_attempts,
        (SELECT count(*) FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status IN ('claimed', 'sending', 'unknown'))::int AS n_open,
        (SELECT string_agg(a.id::text, ',') FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status IN ('claimed', 'sending', 'unknown')) AS open_ids,
        (SELECT string_agg(a.status, ',') FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status IN ('claimed', 'sending', 'unknown')) AS open_status,
        (SELECT count(*) FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status = 'sent')::int AS n_sent,
        (SELECT count(*) FROM send_attempts a WHERE a.send_queue_id = q.id AND a.status IN ('sending', 'sent', 'refused', 'unknown', 'not_sent', 'undetermined'))::int AS n_called,
        (SELECT count(*) FROM messages m WHERE m.send_queue_id = q.id)::int AS n_msgs,
        (SELECT count(*) FROM messages m WHERE m.send_queue_id = q.id AND m.status = 'sent')::int AS n_msgs_sent,
        (SELECT count(*) FROM messages m WHERE m.send_queue_id = q.id AND m.status = 'sending')::int AS n_msgs_sending,
        (SELECT count(*) FROM outreach_history h WHERE h.send_queue_id = q.id)::int AS n_history
      FROM send_queue q`.execute(w.db);
    if (rows.length !== this.rows.size) this.fail(`the queue holds ${rows.length} rows, the model enqueued ${this.rows.size}`);
    for (const r of rows) {
      const who = `row ${r.id} (${this.rows.get(r.id)?.email} step ${this.rows.get(r.id)?.step}, ${r.status})`;
      if (!ROW_STATES.has(r.status)) this.fail(`${who} is in an illegal state`);
      if (r.status === "processing") {
        if (r.n_open !== 1) this.fail(`${who} is processing with ${r.n_open} open attempts`);
        if (r.current_attempt_id !== r.open_ids)
          this.fail(`${who}: current attempt ${r.current_attempt_id} is not its open attempt ${r.open_ids}`);
      } else if (r.n_open !== 0) {
        this.fail(`${who} has open attempts (${r.open_status})`);
      }
      if (r.n_attempts !== r.attempts) this.fail(`${who} counts ${r.attempts} attempts but has ${r.n_attempts}`);
      if (r.n_called > r.max_attempts) this.fail(`${who} reached the provider ${r.n_called} times, max_attempts ${r.max_attempts}`);
      if (r.n_msgs !== 1) this.fail(`${who} has ${r.n_msgs} messages rows`);
      // A message stays `sending` only while its row has an attempt open (claimed, in flight or unknown).
      if (r.n_msgs_sending > 0 && r.n_open === 0) this.fail(`${who}: its message is still sending, but no attempt is open`);
      if (r.status === "sent") {
        if (r.n_sent !== 1 || r.n_msgs_sent !== 1 || r.n_history !== 1)
          this.fail(`${who}: ${r.n_sent} sent attempts, ${r.n_msgs_sent} sent messages, ${r.n_history} history rows (want 1 each)`);
      } else if (r.n_sent !== 0 || r.n_msgs_sent !== 0 || r.n_history !== 0) {
        this.fail(`${who}: not sent, yet ${r.n_sent} sent attempts, ${r.n_msgs_sent} sent messages, ${r.n_history} history rows`);
      }
    }

    // Quota books: used = attempts holding quota, per account, period and action.
    const usage = await sql<{ account_id: string; period: string; period_start: Date; action: string; used: number; held: number }>`
      WITH held AS (
        SELECT account_id, 'day'::text AS period, usage_day AS period_start,
               CASE WHEN action_type = 'inmail' THEN 'message' ELSE action_type END AS action, count(*)::int AS n
        FROM send_attempts WHERE status IN (${sql.join(HOLDING.map((s) => sql.lit(s)))}) GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT account_id, 'hour'::text, usage_hour, '*'::text, count(*)::int
        FROM send_attempts WHERE status IN (${sql.join(HOLDING.map((s) => sql.lit(s)))}) GROUP BY 1, 2, 3, 4
      )
      SELECT coalesce(u.account_id, h.account_id) AS account_id, coalesce(u.period, h.period) AS period,
             coalesce(u.period_start, h.period_start) AS period_start, coalesce(u.action, h.action) AS action,
             coalesce(u.used, 0) AS used, coalesce(h.n, 0) AS held
      FROM account_usage u
      FULL OUTER JOIN held h ON u.account_id = h.account_id AND u.period = h.period AND u.period_start = h.period_start AND u.action = h.action
      WHERE coalesce(u.used, 0) <> coalesce(h.n, 0)`.execute(w.db);
    const bad = usage.rows[0];
    if (bad)
      this.fail(
        `account_usage ${bad.period} ${new Date(bad.period_start).toISOString()} ${bad.action}: used ${bad.used}, attempts holding quota ${bad.held}`,
      );
  }

  /** Faults cleared, accounts fixed, then reap / reconcile / tick until every row is terminal. */
  async drain(step: (label: string, fn: () => Promise<string>, kindOf?: string) => Promise<void>): Promise<void> {
    const w = this.w;
    await step("drain: clear faults, resume accounts, raise limits", async () => {
      w.mock.clearFaults();
      await w.db
        .updateTable("accounts")
        .set({ status: "active", limited_until: null, health_score: 100, daily_limit_emails: 50, hourly_limit: 20 })
        .execute();
      return "ok";
    });
    // The drain runs without pacing gaps so that it ends in few rounds.
    this.opts = { ...this.opts, accountGapMs: { min: 0, max: 0 } };
    for (let round = 0; round < 400; round++) {
      await step("drain: reap", async () => JSON.stringify(await reapExpired(this.opts)));
      await step("drain: reconcile", async () => JSON.stringify(await reconcileUnknown(this.opts)));
      let kind = "";
      for (let i = 0; i < 200; i++) {
        await step("drain: tick", async () => (kind = await this.tick()));
        // With several lanes the tick reads "idle | busy": its first word is idle or busy only when every lane was.
        const first = kind.split(" ")[0];
        if (first === "idle" || first === "busy") break;
      }
      const open = await w.db
        .selectFrom("send_queue")
        .select(["status", "scheduled_for"])
        .where("status", "not in", [...TERMINAL] as never[])
        .execute();
      if (!open.length) return;
      // Next instant something can change: a pending row falling due, or (with a row in flight, or
      // due rows whose accounts are all mid-send) the open attempts' leases lapsing for the reaper.
      const nowMs = w.clock.now.getTime();
      const future = open
        .filter((r) => r.status !== "processing" && r.scheduled_for.getTime() > nowMs)
        .map((r) => r.scheduled_for.getTime());
      const waitsForLease = kind === "busy" || open.some((r) => r.status === "processing");
      const target = Math.min(...future, waitsForLease ? nowMs + LEASE_MS + 1_000 : Number.POSITIVE_INFINITY);
      await step("drain: advance", async () => {
        this.advance(Number.isFinite(target) ? Math.max(1_000, target - nowMs) : 1_000);
        return `now ${w.clock.now.toISOString()}`;
      });
    }
    const left = await w.db
      .selectFrom("send_queue")
      .select(["id", "status", "defer_reason", "scheduled_for"])
      .where("status", "not in", [...TERMINAL] as never[])
      .execute();
    this.fail(`rows never reached a terminal state: ${JSON.stringify(left)}`);
  }

  async finalCheck(): Promise<{ sent: number; byStatus: Record<string, number> }> {
    const w = this.w;
    const attempts = await w.db.selectFrom("send_attempts").select(["id", "status"]).execute();
    for (const a of attempts) if (OPEN.includes(a.status)) this.fail(`attempt ${a.id} still ${a.status} after the drain`);
    const sentEmails = w.mock.state.emails.filter((e) => e.role === "sent").length;
    const rows = await w.db.selectFrom("send_queue").select(["status"]).execute();
    const byStatus: Record<string, number> = {};
    for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if ((byStatus.sent ?? 0) !== sentEmails) this.fail(`${byStatus.sent ?? 0} rows sent, the provider sent ${sentEmails} emails`);
    const touched = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outreach_history`.execute(w.db);
    if (touched.rows[0]!.n !== sentEmails) this.fail(`outreach_history has ${touched.rows[0]!.n} rows for ${sentEmails} sends`);
    return { sent: sentEmails, byStatus };
  }
}

// ---------------------------------------------------------------------------------------------
// Running one walk

interface WalkStats {
  steps: number;
  sent: number;
  byStatus: Record<string, number>;
  outcomes: Record<string, number>;
}

async function runWalk(engine: TestEngine, ops: Op[], businessHours: boolean, concurrency = 1, batch = false): Promise<WalkStats> {
  const w = await seedWorld({ engine, server, accounts: 3, contacts: 0, start: new Date("2026-11-23T09:00:00Z") });
  const m = new ModelRun(w, concurrency, batch);
  const outcomes: Record<string, number> = {};
  const timing = { op: 0, check: 0 };
  let index = -1;
  const step = async (label: string, fn: () => Promise<string>, kindOf = label) => {
    index++;
    await m.snapshotAccounts();
    let result: string;
    const t0 = performance.now();
    try {
      result = await fn();
      timing.op += performance.now() - t0;
    } catch (error) {
      m.trace.push(`#${index} ${label} → threw ${error instanceof Error ? error.stack : String(error)}`);
      throw error;
    }
    m.trace.push(`#${index} ${label} → ${result}`);
    const kind = `${kindOf}:${kindOf === "enqueue" || kindOf === "followUp" || kindOf === "reply" || kindOf === "dnc" || kindOf === "advance" ? "" : result.split(" ")[0]}`;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    const t1 = performance.now();
    await m.check();
    timing.check += performance.now() - t1;
    m.steps++;
  };
  try {
    await m.init(businessHours);
    for (const op of ops) await step(JSON.stringify(op), () => m.apply(op), op.k);
    await m.drain(step);
    const final = await m.finalCheck();
    if (process.env.MODEL_TRACE) console.info(m.trace.join("\n"));
    if (process.env.MODEL_TIMING) console.info(`[model] op ${Math.round(timing.op)} ms, checks ${Math.round(timing.check)} ms`);
    return { steps: m.steps, ...final, outcomes };
  } catch (error) {
    const failedAt = Math.min(index, ops.length - 1);
    const message = [
      `model test failed at step #${index} (${index < ops.length ? "walk" : "drain"}): ${error instanceof Error ? error.message : String(error)}`,
      `last steps:`,
      ...m.trace.slice(-40),
      `replay exactly: MODEL_OPS='${JSON.stringify(ops.slice(0, failedAt + 1))}' MODEL_BUSINESS_HOURS=${businessHours ? 1 : 0}`,
    ].join("\n");
    throw new Error(message, { cause: error });
  } finally {
    w.mock.clearFaults();
    await w.t.drop();
  }
}

const SEED = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
const FIXED_OPS = process.env.MODEL_OPS ? (JSON.parse(process.env.MODEL_OPS) as Op[]) : null;

function modelSuite(engine: TestEngine, runs: number, steps: number, concurrency = 1, batch = false) {
  it(`random walks of ${steps} operations × ${runs} runs keep every invariant after every step, and lose nothing (${engine}, ${concurrency} in flight per tick${batch ? ", claimed in one batch" : ""})`, async () => {
    const started = performance.now();
    const stats: WalkStats[] = [];
    if (FIXED_OPS) {
      stats.push(await runWalk(engine, FIXED_OPS, process.env.MODEL_BUSINESS_HOURS === "1", concurrency, batch));
    } else {
      console.info(
        `[model ${engine} ×${concurrency}${batch ? " batch" : ""}] seed=${SEED} runs=${runs} steps=${steps} (MODEL_SEED=${SEED} reproduces)`,
      );
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: steps, maxLength: steps }), fc.boolean(), async (ops, businessHours) => {
          stats.push(await runWalk(engine, ops, businessHours, concurrency, batch));
        }),
        {
          seed: SEED,
          numRuns: runs,
          ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
          endOnFailure: process.env.MODEL_SHRINK !== "1",
        },
      );
    }
    const total = stats.reduce((s, x) => s + x.steps, 0);
    const outcomes: Record<string, number> = {};
    for (const s of stats) for (const [k, v] of Object.entries(s.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
    const interesting = Object.fromEntries(
      Object.entries(outcomes)
        .filter(([k]) => !k.startsWith("drain"))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    console.info(
      `[model ${engine}] ${stats.length} walks, ${total} checked steps, ${stats.reduce((s, x) => s + x.sent, 0)} real sends, final rows ${JSON.stringify(
        stats.reduce<Record<string, number>>((acc, s) => {
          for (const [k, v] of Object.entries(s.byStatus)) acc[k] = (acc[k] ?? 0) + v;
          return acc;
        }, {}),
      )} in ${Math.round(performance.now() - started)} ms\n  outcomes ${JSON.stringify(interesting)}`,
    );
    if (!FIXED_OPS) expect(stats.reduce((s, x) => s + x.steps, 0)).toBeGreaterThanOrEqual(runs * steps);
  }, 600_000);
}

describe("send path model (randomised interleavings)", () => {
  beforeAll(() => {
    // Only Date is faked (timers stay real): the world's clock and the fake's stamps agree.
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  // Postgres runs a step about ten times faster than PGlite, so CI (which sets TEST_DATABASE_URL)
  // puts most of its 1,450 checked steps there (one walk on PGlite); without Postgres, two walks
  // (400 steps) on PGlite.
  modelSuite("pglite", Number(process.env.MODEL_RUNS ?? (PG ? 1 : 2)), Number(process.env.MODEL_STEPS ?? 200));
  if (PG) modelSuite("postgres", Number(process.env.MODEL_PG_RUNS ?? 5), Number(process.env.MODEL_STEPS ?? 250));
  // The same walks with three sends in flight per tick (one per account of the world): on
  // Postgres they race for real; PGlite serialises them but still checks the bookkeeping.
  modelSuite("pglite", Number(process.env.MODEL_RUNS ?? 1), Number(process.env.MODEL_STEPS ?? 200), 3);
  if (PG) modelSuite("postgres", Number(process.env.MODEL_PG_RUNS ?? 5), Number(process.env.MODEL_STEPS ?? 250), 3);
  // And with the tick's three rows claimed in one batch (issue 19), as a runner's free lanes take them.
  modelSuite("pglite", Number(process.env.MODEL_RUNS ?? 1), Number(process.env.MODEL_STEPS ?? 200), 3, true);
  if (PG) modelSuite("postgres", Number(process.env.MODEL_PG_RUNS ?? 5), Number(process.env.MODEL_STEPS ?? 250), 3, true);
});
