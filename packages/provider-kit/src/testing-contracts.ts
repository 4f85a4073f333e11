/**
 * Contract suites: one per capability, run by every adapter of it (with its own MSW fake) on top
 * of its vendor-specific tests. They check the domain shape of results, usage reporting without
 * secrets, and the mapping of every fault the fake can produce onto the kit's error kinds —
 * including the rule that a send is attempted exactly once and a lost answer is `unknown_outcome`.
 */
import type { SetupServer } from "msw/node";
import { beforeEach, describe, expect, it } from "vitest";
import type { CompanySize, EmailStatus, Seniority } from "@offerlab/core";
import { ProviderError } from "./errors.js";
import type { ProviderErrorKind } from "./errors.js";
import type { OnUsage, UsageEvent } from "./usage.js";
import { createRequestRecorder } from "./testing-msw.js";
import type { RequestRecorder } from "./testing-msw.js";
import type {
  CompanyEnricher,
  CompanyEnrichmentQuery,
  CompanyRecord,
  CompanySearch,
  CompanySearchQuery,
  EmailFinder,
  EmailFinderQuery,
  EmailSender,
  EmailVerifier,
  Inbox,
  InboxQuery,
  LinkedInSender,
  PageScraper,
  PeopleSearch,
  PeopleSearchQuery,
  PersonRecord,
  SendEmailInput,
} from "./capabilities.js";

/** Failure modes a vendor fake can be switched into. */
export const contractFaults = [
  "unauthorized",
  "out_of_credits",
  "invalid",
  "rate_limited",
  "rate_limited_retry_after",
  "server_error",
  "malformed_json",
  "timeout",
  "response_lost",
] as const;
export type ContractFault = (typeof contractFaults)[number];

/** The kind a fault must map to, for reads and for sends. */
export const expectedFaultKinds: Record<ContractFault, { read: ProviderErrorKind; send: ProviderErrorKind }> = {
  unauthorized: { read: "auth", send: "auth" },
  out_of_credits: { read: "credits", send: "credits" },
  invalid: { read: "invalid", send: "invalid" },
  rate_limited: { read: "rate_limited", send: "rate_limited" },
  rate_limited_retry_after: { read: "rate_limited", send: "rate_limited" },
  server_error: { read: "transient", send: "unknown_outcome" },
  malformed_json: { read: "transient", send: "unknown_outcome" },
  timeout: { read: "transient", send: "unknown_outcome" },
  response_lost: { read: "transient", send: "unknown_outcome" },
};

export interface ContractSetup<T> {
  /** Suite title, usually the vendor name. */
  name: string;
  /** The MSW server of the test file (from `setupMswServer`), already holding the fake's handlers. */
  server: SetupServer;
  /**
   * Builds the adapter. Pass `onUsage` through, and `retry: { maxAttempts: 1 }` so faults surface
   * at once (the kit tests retries itself); for the `timeout` fault, a `timeoutMs` shorter than the
   * fake's delay.
   */
  create: (options: { onUsage: OnUsage }) => T;
  /** Values (API keys) that must never appear in usage events or error messages. */
  secrets: string[];
  /** Faults the fake supports; each gets a test. Default none. */
  faults?: readonly ContractFault[];
  /** Switches the fake into `fault` for every following request until `reset`. */
  fault?: (fault: ContractFault) => void;
  /** Restores the fake to normal; called before each test. */
  reset?: () => void;
}

interface Harness<T> {
  adapter: () => T;
  usage: UsageEvent[];
  recorder: RequestRecorder;
}

function harness<T>(setup: ContractSetup<T>): Harness<T> {
  const h: Harness<T> = {
    usage: [],
    recorder: undefined as unknown as RequestRecorder,
    adapter: () => setup.create({ onUsage: (e) => void h.usage.push(e) }),
  };
  beforeEach(() => {
    setup.reset?.();
    h.usage.length = 0;
    h.recorder?.dispose();
    h.recorder = createRequestRecorder(setup.server);
  });
  return h;
}

function expectNoSecrets(secrets: readonly string[], ...values: unknown[]): void {
  const text = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n");
  for (const secret of secrets) {
    if (secret) expect(text, "a secret leaked into usage or an error").not.toContain(secret);
  }
}

function expectUsage(h: Harness<unknown>, secrets: readonly string[], status: UsageEvent["status"]): UsageEvent {
  expect(h.usage.length, "exactly one usage event per operation").toBe(1);
  const event = h.usage[0] as UsageEvent;
  expect(event.status).toBe(status);
  expect(typeof event.tool).toBe("string");
  expect(event.tool.length).toBeGreaterThan(0);
  expect(event.action.length).toBeGreaterThan(0);
  expect(event.durationMs).toBeGreaterThanOrEqual(0);
  expect(Number.isFinite(event.credits) && event.credits >= 0).toBe(true);
  expect(Number.isNaN(Date.parse(event.startedAt))).toBe(false);
  expectNoSecrets(secrets, event);
  return event;
}

async function expectProviderError(promise: Promise<unknown>, kind: ProviderErrorKind): Promise<ProviderError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(ProviderError.isInstance(caught), `expected a ProviderError, got ${String(caught)}`).toBe(true);
  const error = caught as ProviderError;
  expect(error.kind, error.message).toBe(kind);
  return error;
}

function faultCases<T>(
  setup: ContractSetup<T>,
  h: Harness<T>,
  mode: "read" | "send",
  title: string,
  op: (adapter: T) => Promise<unknown>,
): void {
  for (const fault of setup.faults ?? []) {
    const kind = expectedFaultKinds[fault][mode];
    it(`${title}: fault ${fault} → ${kind}`, async () => {
      if (!setup.fault) throw new Error("ContractSetup.fault is required when faults are listed");
      const adapter = h.adapter();
      setup.fault(fault);
      const error = await expectProviderError(op(adapter), kind);
      if (fault === "rate_limited_retry_after") expect(error.retryAfterMs).toBeGreaterThan(0);
      if (mode === "send") expect(h.recorder.count(), "a send must be attempted exactly once").toBe(1);
      expectNoSecrets(setup.secrets, error.message, error.rawBody ?? "");
      expectUsage(h as Harness<unknown>, setup.secrets, kind === "rate_limited" ? "rate_limited" : "error");
    });
  }
}

// Local copies of core's value sets, checked against core's types at compile time (both ways), so
// the suites do not load core at runtime.
type Exhaustive<T, L extends readonly T[]> = [T] extends [L[number]] ? L : never;
const sizes = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"] as const;
const companySizes: Exhaustive<CompanySize, typeof sizes> = sizes;
const statuses = ["unknown", "valid", "invalid", "risky", "failed"] as const;
const emailStatuses: Exhaustive<EmailStatus, typeof statuses> = statuses;
const seniorityList = ["c_level", "vp", "director", "manager", "individual"] as const;
const seniorities: Exhaustive<Seniority, typeof seniorityList> = seniorityList;

const domainPattern = /^(?!www\.)[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const personUrlPattern = /^https:\/\/www\.linkedin\.com\/in\/[^/?#]+$/;

function expectCompany(company: CompanyRecord): void {
  expect(typeof company.name).toBe("string");
  expect(company.name.trim().length).toBeGreaterThan(0);
  if (company.domain !== null) expect(company.domain).toMatch(domainPattern);
  if (company.size != null) expect(companySizes).toContain(company.size);
  if (company.size_exact != null) expect(Number.isInteger(company.size_exact) && company.size_exact >= 0).toBe(true);
  if (company.signals !== undefined) expect(typeof company.signals).toBe("object");
  expect(company.source_tool.length).toBeGreaterThan(0);
}

function expectPerson(person: PersonRecord): void {
  expect(
    person.full_name ?? person.first_name ?? person.last_name ?? person.linkedin_url,
    "a person needs a name or a profile",
  ).toBeTruthy();
  if (person.seniority != null) expect(seniorities).toContain(person.seniority);
  if (person.email_status != null) expect(emailStatuses).toContain(person.email_status);
  if (person.email != null) expect(person.email).toBe(person.email.toLowerCase());
  if (person.linkedin_url != null) expect(person.linkedin_url).toMatch(personUrlPattern);
  expect(person.source_tool.length).toBeGreaterThan(0);
}

export function runCompanySearchContract(setup: ContractSetup<CompanySearch> & { query: CompanySearchQuery; minResults?: number }): void {
  describe(`CompanySearch contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("returns companies in the domain shape and reports usage", async () => {
      const result = await h.adapter().searchCompanies(setup.query);
      expect(result.companies.length).toBeGreaterThanOrEqual(setup.minResults ?? 1);
      result.companies.forEach(expectCompany);
      expect(result.cursor === null || typeof result.cursor === "string").toBe(true);
      const event = expectUsage(h as Harness<unknown>, setup.secrets, "success");
      expect(event.resultsCount).toBe(result.companies.length);
    });
    faultCases(setup, h, "read", "searchCompanies", (a) => a.searchCompanies(setup.query));
  });
}

export function runPeopleSearchContract(setup: ContractSetup<PeopleSearch> & { query: PeopleSearchQuery; minResults?: number }): void {
  describe(`PeopleSearch contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("returns people in the domain shape and reports usage", async () => {
      const result = await h.adapter().searchPeople(setup.query);
      expect(result.people.length).toBeGreaterThanOrEqual(setup.minResults ?? 1);
      result.people.forEach(expectPerson);
      const event = expectUsage(h as Harness<unknown>, setup.secrets, "success");
      expect(event.resultsCount).toBe(result.people.length);
    });
    faultCases(setup, h, "read", "searchPeople", (a) => a.searchPeople(setup.query));
  });
}

export function runEmailFinderContract(
  setup: ContractSetup<EmailFinder> & { found: EmailFinderQuery; notFound?: EmailFinderQuery; catchAll?: EmailFinderQuery },
): void {
  describe(`EmailFinder contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("finds a normalised email with a schema status and reports usage", async () => {
      const result = await h.adapter().findEmail(setup.found);
      expect(result.email).toBeTruthy();
      expect(result.email).toBe(result.email?.trim().toLowerCase());
      expect(emailStatuses).toContain(result.email_status);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    if (setup.notFound) {
      const query = setup.notFound;
      it("answers null (not an error) when nothing is found", async () => {
        const result = await h.adapter().findEmail(query);
        expect(result.email).toBeNull();
        expect(result.email_status).not.toBe("valid");
      });
    }
    if (setup.catchAll) {
      const query = setup.catchAll;
      it("reports a catch-all address as risky, never valid", async () => {
        const result = await h.adapter().findEmail(query);
        expect(result.email_status).toBe("risky");
      });
    }
    faultCases(setup, h, "read", "findEmail", (a) => a.findEmail(setup.found));
  });
}

export function runEmailVerifierContract(
  setup: ContractSetup<EmailVerifier> & { valid: string; invalid: string; catchAll?: string },
): void {
  describe(`EmailVerifier contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("verifies a deliverable address as valid and reports usage", async () => {
      const result = await h.adapter().verifyEmail(setup.valid);
      expect(result.email_status).toBe("valid");
      expect(result.email).toBe(setup.valid.trim().toLowerCase());
      expect(result.source_tool.length).toBeGreaterThan(0);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    it("verifies an undeliverable address as invalid", async () => {
      const result = await h.adapter().verifyEmail(setup.invalid);
      expect(result.email_status).toBe("invalid");
    });
    if (setup.catchAll) {
      const email = setup.catchAll;
      it("reports a catch-all address as risky, never valid", async () => {
        const result = await h.adapter().verifyEmail(email);
        expect(result.email_status).toBe("risky");
      });
    }
    faultCases(setup, h, "read", "verifyEmail", (a) => a.verifyEmail(setup.valid));
  });
}

export function runCompanyEnricherContract(setup: ContractSetup<CompanyEnricher> & { query: CompanyEnrichmentQuery }): void {
  describe(`CompanyEnricher contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("returns the company and a signals document and reports usage", async () => {
      const result = await h.adapter().enrichCompany(setup.query);
      if (result.company.domain !== null) expect(result.company.domain).toMatch(domainPattern);
      expect(typeof result.signals).toBe("object");
      expect(result.company.source_tool.length).toBeGreaterThan(0);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    faultCases(setup, h, "read", "enrichCompany", (a) => a.enrichCompany(setup.query));
  });
}

export function runPageScraperContract(setup: ContractSetup<PageScraper> & { url: string }): void {
  describe(`PageScraper contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("returns markdown for the page and reports usage", async () => {
      const page = await h.adapter().scrapePage(setup.url);
      expect(typeof page.markdown).toBe("string");
      expect(page.markdown.length).toBeGreaterThan(0);
      expect(page.url.length).toBeGreaterThan(0);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    faultCases(setup, h, "read", "scrapePage", (a) => a.scrapePage(setup.url));
  });
}

export function runLinkedInSenderContract(
  setup: ContractSetup<LinkedInSender> & {
    accountId: string;
    /** A profile URL or public id the fake knows, not yet connected. */
    profile: string;
    /** A 1st-degree connection's member id, for `startChat`. */
    connectionProviderId: string;
  },
): void {
  describe(`LinkedInSender contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("resolves a profile to a member id and a connection degree", async () => {
      const profile = await h.adapter().resolveProfile(setup.accountId, setup.profile);
      expect(profile.providerId.length).toBeGreaterThan(0);
      expect([1, 2, 3, null]).toContain(profile.connectionDegree);
      if (profile.linkedinUrl !== null) expect(profile.linkedinUrl).toMatch(personUrlPattern);
      expect(["sent", "received", null]).toContain(profile.pendingInvitation);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    it("sends an invitation with a note", async () => {
      const adapter = h.adapter();
      const { providerId } = await adapter.resolveProfile(setup.accountId, setup.profile);
      h.usage.length = 0;
      const result = await adapter.sendInvitation({ accountId: setup.accountId, providerId, note: "Hi, glad to connect." });
      expect(result.invitationId === null || typeof result.invitationId === "string").toBe(true);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    it("refuses a note over 300 characters locally, without any request", async () => {
      const before = h.recorder.count();
      await expectProviderError(
        h.adapter().sendInvitation({ accountId: setup.accountId, providerId: "ACoAAAtest", note: "x".repeat(301) }),
        "invalid",
      );
      expect(h.recorder.count()).toBe(before);
    });
    it("starts a chat with a connection", async () => {
      const result = await h
        .adapter()
        .startChat({ accountId: setup.accountId, recipientProviderIds: [setup.connectionProviderId], text: "Hello!" });
      expect(result.chatId === null || typeof result.chatId === "string").toBe(true);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    faultCases(setup, h, "send", "sendInvitation", (a) =>
      a.sendInvitation({ accountId: setup.accountId, providerId: setup.connectionProviderId }),
    );
    faultCases(setup, h, "send", "startChat", (a) =>
      a.startChat({ accountId: setup.accountId, recipientProviderIds: [setup.connectionProviderId], text: "Hello!" }),
    );
  });
}

export function runEmailSenderContract(setup: ContractSetup<EmailSender> & { input: SendEmailInput }): void {
  describe(`EmailSender contract: ${setup.name}`, () => {
    const h = harness(setup);
    it("sends an email and returns its tracking id", async () => {
      const result = await h.adapter().sendEmail(setup.input);
      expect(result.trackingId === null || typeof result.trackingId === "string").toBe(true);
      expectUsage(h as Harness<unknown>, setup.secrets, "success");
    });
    it("refuses an email without a body locally, without any request", async () => {
      const { html: _html, text: _text, ...rest } = setup.input;
      await expectProviderError(h.adapter().sendEmail(rest), "invalid");
      expect(h.recorder.count()).toBe(0);
    });
    faultCases(setup, h, "send", "sendEmail", (a) => a.sendEmail(setup.input));
  });
}

export function runInboxContract(setup: ContractSetup<Inbox> & { messages?: InboxQuery; emails?: InboxQuery }): void {
  describe(`Inbox contract: ${setup.name}`, () => {
    const h = harness(setup);
    const checkPage = (items: { id: string; direction: string; sentAt: string; accountId: string }[]) => {
      for (const m of items) {
        expect(m.id.length).toBeGreaterThan(0);
        expect(["inbound", "outbound"]).toContain(m.direction);
        expect(Number.isNaN(Date.parse(m.sentAt))).toBe(false);
        expect(m.accountId.length).toBeGreaterThan(0);
      }
    };
    if (setup.messages) {
      const query = setup.messages;
      it("lists LinkedIn messages with a direction", async () => {
        const page = await h.adapter().listMessages(query);
        checkPage(page.items);
        expect(page.cursor === null || typeof page.cursor === "string").toBe(true);
        expectUsage(h as Harness<unknown>, setup.secrets, "success");
      });
      faultCases(setup, h, "read", "listMessages", (a) => a.listMessages(query));
    }
    if (setup.emails) {
      const query = setup.emails;
      it("lists emails with a direction", async () => {
        const page = await h.adapter().listEmails(query);
        checkPage(page.items);
        expectUsage(h as Harness<unknown>, setup.secrets, "success");
      });
    }
  });
}
