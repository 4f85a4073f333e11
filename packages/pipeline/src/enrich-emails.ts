/**
 * The email waterfall. Before paying for anyone it skips people who must not be contacted
 * (do-not-contact, unsubscribed, bounced, in any offer), people cooling off under the 60-day
 * rule, people who replied, and people whose email was decided recently; a verified address of
 * the same person in another offer is reused for free. Then, per person: verify the address we
 * already have, else each finder in order, each found address through the verifiers in order,
 * stopping at the first `valid`. Catch-all is `risky` and stops the waterfall too (every finder
 * guesses on the same accept-all domain), unless `continueOnRisky`.
 */
import { PipelineInputError } from "./offer.js";
import type { EmailStatus } from "@offerlab/core";
import { contacts, settings } from "@offerlab/db";
import type { EmailFinder, EmailFinderResult, EmailVerification, EmailVerifier } from "@offerlab/provider-kit";
import { sql } from "kysely";
import { asStepError, paidLookup, pushError, round, type RunState, type StepError } from "./lookups.js";

export interface EnrichEmailsOptions {
  /** Most people to enrich in this run, best buyer fit first. Default 200. */
  maxContacts?: number;
  /** People whose email was decided fewer than this many days ago are skipped. Default 90. */
  reenrichAfterDays?: number;
  /**
   * The cooling-off window: people touched by any campaign within this many days of now are
   * skipped. Default: the database's setting (`offerlab settings cooling-off`; 60 when unset).
   */
  coolingOffDays?: number;
  /** Keep trying finders after a catch-all (`risky`) result. Default false. */
  continueOnRisky?: boolean;
  /** Only these contacts (ids), e.g. for a single-person lookup. Default: every contact of the offer. */
  contactIds?: string[];
}

export type SkipReason = "suppressed" | "cooling_off" | "replied" | "recently_enriched" | "not_a_buyer" | "no_lookup_input";

export interface EnrichEmailsSummary {
  /** Contacts considered. */
  contacts: number;
  skipped: Record<SkipReason, number>;
  /** Verified addresses copied from the same person in another offer, for free. */
  reused: number;
  valid: number;
  risky: number;
  invalid: number;
  /** An address whose deliverability nobody could tell (`email_status = unknown`). */
  unknown: number;
  /** No finder found an address (`email_status = failed`). */
  notFound: number;
  /** The address found belongs to another contact of the offer: parked as `skip` (`duplicate_email`). */
  duplicates: number;
  /** Lookups by action, and how many of them reused an earlier answer. */
  lookups: { find: number; verify: number; cached: number };
  creditsSpent: number;
  errors: StepError[];
  errorCount: number;
}

export function emptyEnrichSummary(): EnrichEmailsSummary {
  return {
    contacts: 0,
    skipped: { suppressed: 0, cooling_off: 0, replied: 0, recently_enriched: 0, not_a_buyer: 0, no_lookup_input: 0 },
    reused: 0,
    valid: 0,
    risky: 0,
    invalid: 0,
    unknown: 0,
    notFound: 0,
    duplicates: 0,
    lookups: { find: 0, verify: 0, cached: 0 },
    creditsSpent: 0,
    errors: [],
    errorCount: 0,
  };
}

interface Candidate {
  id: string;
  first_name: string | null;
  last_name: string | null;
  full_name: string | null;
  email: string | null;
  email_status: string | null;
  email_verification_source: string | null;
  email_checked_at: Date | null;
  linkedin_url: string | null;
  status: string;
  global_status: string;
  global_last_contacted_at: Date | null;
  eligible_for_outreach: boolean;
  domain: string | null;
  company_name: string;
}

const DAY = 86_400_000;

/** Why a person must be skipped before paying, or null. Reads every offer's row of the person. */
async function skipReason(
  rs: RunState,
  c: Candidate,
  opts: EnrichEmailsOptions,
  coolingOffDays: number,
  now: Date,
): Promise<SkipReason | null> {
  const { db } = rs.ctx;
  const coolingSince = new Date(now.getTime() - coolingOffDays * DAY);
  const keys = [c.email, c.linkedin_url].filter((k): k is string => !!k);
  const rows = keys.length
    ? await db
        .selectFrom("contacts")
        .select(["status", "global_status", "global_last_contacted_at", "eligible_for_outreach"])
        .where((eb) =>
          eb.or([...(c.email ? [eb("email", "=", c.email)] : []), ...(c.linkedin_url ? [eb("linkedin_url", "=", c.linkedin_url)] : [])]),
        )
        .execute()
    : [];
  const all = [c, ...rows];
  if (all.some((r) => r.global_status === "do_not_contact" || r.status === "unsubscribed" || r.status === "bounced")) return "suppressed";
  if (!c.eligible_for_outreach) return "suppressed";
  if (all.some((r) => r.global_status === "replied")) return "replied";
  // Cooling off is a date, not a state (docs/contact-status.md, `contact_globally_available`): a
  // touch inside the window holds the person; a `cooling_off` row only when it has no date to check.
  if (
    all.some(
      (r) =>
        (r.global_status === "cooling_off" && r.global_last_contacted_at === null) ||
        (r.global_last_contacted_at && r.global_last_contacted_at >= coolingSince),
    )
  )
    return "cooling_off";
  if (keys.length) {
    const touched = await db
      .selectFrom("outreach_history")
      .select("id")
      .where("sent_at", ">=", coolingSince)
      .where((eb) =>
        eb.or([
          ...(c.email ? [eb("contact_email", "=", c.email)] : []),
          ...(c.linkedin_url ? [eb("contact_linkedin_url", "=", c.linkedin_url)] : []),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    if (touched) return "cooling_off";
  }
  if (c.status === "skip") return "not_a_buyer";
  const recentSince = new Date(now.getTime() - (opts.reenrichAfterDays ?? 90) * DAY);
  if (c.email_checked_at && c.email_checked_at >= recentSince) return "recently_enriched";
  // Verified before it reached us (an import, another tool): nothing to pay for.
  if (!c.email_checked_at && c.email_status === "valid" && c.email_verification_source) return "recently_enriched";
  return null;
}

/** The first verifier's definitive answer (`unknown` passes to the next verifier). */
async function verify(
  rs: RunState,
  c: Candidate,
  email: string,
  verifiers: EmailVerifier[],
  s: EnrichEmailsSummary,
): Promise<EmailVerification | null> {
  let last: EmailVerification | null = null;
  for (const v of verifiers) {
    if (rs.disabled.has(v.provider)) continue;
    try {
      const res = await paidLookup(rs, {
        provider: v.provider,
        action: "verify_email",
        request: { email },
        contactId: c.id,
        call: (o) => v.verifyEmail(email, o),
      });
      s.lookups.verify += 1;
      if (res.cached) s.lookups.cached += 1;
      last = res.value;
      if (res.value.email_status !== "unknown") return res.value;
    } catch (error) {
      pushError(s, asStepError(error, v.provider, email));
    }
  }
  return last;
}

interface Outcome {
  email: string | null;
  status: EmailStatus;
  source: string | null;
}

async function waterfall(rs: RunState, c: Candidate, opts: EnrichEmailsOptions, s: EnrichEmailsSummary): Promise<Outcome | null> {
  const finders: EmailFinder[] = rs.ctx.providers.emailFinders ?? [];
  const verifiers: EmailVerifier[] = rs.ctx.providers.emailVerifiers ?? [];
  let best: Outcome | null = null;
  let attempted = false;
  const rank: Record<string, number> = { valid: 4, risky: 3, unknown: 2, invalid: 1, failed: 0 };
  const consider = (o: Outcome) => {
    if (!best || (rank[o.status] ?? 0) > (rank[best.status] ?? 0)) best = o;
  };
  const done = (o: Outcome) => o.status === "valid" || (o.status === "risky" && !opts.continueOnRisky);

  const check = async (email: string, finderSource: string | null, finderStatus: EmailStatus): Promise<Outcome> => {
    const v = verifiers.length ? await verify(rs, c, email, verifiers, s) : null;
    return v ? { email, status: v.email_status, source: v.source_tool } : { email, status: finderStatus, source: finderSource };
  };

  if (c.email) {
    attempted = true;
    const o = await check(c.email, c.email_verification_source, (c.email_status as EmailStatus | null) ?? "unknown");
    consider(o);
    if (done(o)) return o;
  }
  const [first, ...rest] = (c.full_name ?? "").trim().split(/\s+/);
  const query = {
    firstName: c.first_name ?? first ?? undefined,
    lastName: c.last_name ?? (rest.length ? rest.join(" ") : undefined),
    ...(c.domain ? { domain: c.domain } : { companyName: c.company_name }),
  };
  const canFind = !!query.firstName && !!query.lastName;
  for (const f of finders) {
    if (!canFind) break;
    if (rs.disabled.has(f.provider)) continue;
    attempted = true;
    let found: EmailFinderResult;
    try {
      const res = await paidLookup(rs, {
        provider: f.provider,
        action: "find_email",
        request: query,
        contactId: c.id,
        call: (o) => f.findEmail(query, o),
      });
      s.lookups.find += 1;
      if (res.cached) s.lookups.cached += 1;
      found = res.value;
    } catch (error) {
      pushError(s, asStepError(error, f.provider, `${query.firstName} ${query.lastName} @ ${c.domain ?? c.company_name}`));
      continue;
    }
    if (!found.email || found.email === c.email) continue;
    const o = await check(found.email, found.source_tool, found.email_status);
    consider(o);
    if (done(o)) return o;
  }
  if (!attempted) return null;
  return best ?? { email: null, status: "failed", source: null };
}

export async function runEnrichEmails(rs: RunState, opts: EnrichEmailsOptions, s: EnrichEmailsSummary): Promise<void> {
  const { db } = rs.ctx;
  const now = rs.ctx.now?.() ?? new Date();
  const coolingOffDays = opts.coolingOffDays ?? (await settings.get(db)).coolingOffDays;
  const startSpent = rs.spent;
  if (!(rs.ctx.providers.emailFinders?.length || rs.ctx.providers.emailVerifiers?.length)) {
    throw new PipelineInputError("enrich_emails needs at least one email finder or verifier (providers.emailFinders / emailVerifiers)");
  }
  let q = db
    .selectFrom("contacts as c")
    .innerJoin("companies as co", "co.id", "c.company_id")
    .select([
      "c.id",
      "c.first_name",
      "c.last_name",
      "c.full_name",
      "c.email",
      "c.email_status",
      "c.email_verification_source",
      "c.email_checked_at",
      "c.linkedin_url",
      "c.status",
      "c.global_status",
      "c.global_last_contacted_at",
      "c.eligible_for_outreach",
      "co.domain",
      "co.name as company_name",
    ])
    .where("c.offer_id", "=", rs.offerId)
    .orderBy(sql`c.buyer_fit_score DESC NULLS LAST`)
    .orderBy("c.created_at")
    // People written in one transaction share created_at: then by natural key, not by id.
    .orderBy("c.email")
    .orderBy("c.linkedin_url")
    .orderBy("c.full_name")
    .orderBy("c.id")
    .limit(opts.maxContacts ?? 200);
  if (opts.contactIds) q = q.where("c.id", "in", opts.contactIds.length ? opts.contactIds : ["00000000-0000-0000-0000-000000000000"]);
  const candidates: Candidate[] = await q.execute();
  rs.progress(0, candidates.length, "enriching emails");

  let done = 0;
  try {
    for (const c of candidates) {
      s.contacts += 1;
      const reason = await skipReason(rs, c, opts, coolingOffDays, now);
      if (reason) {
        s.skipped[reason] += 1;
        rs.progress(++done, candidates.length, `${c.full_name ?? c.id}: ${reason}`);
        continue;
      }
      // The same person verified in another offer: copy it, pay nothing.
      if (c.linkedin_url) {
        const twin = await db
          .selectFrom("contacts")
          .select(["email", "email_status", "email_verification_source"])
          .where("linkedin_url", "=", c.linkedin_url)
          .where("id", "!=", c.id)
          .where("email_status", "=", "valid")
          .where("email", "is not", null)
          .where("email_checked_at", ">=", new Date(now.getTime() - (opts.reenrichAfterDays ?? 90) * DAY))
          .executeTakeFirst();
        if (twin?.email) {
          if (await record(rs, c, { email: twin.email, status: "valid", source: twin.email_verification_source }, now, s)) s.reused += 1;
          else s.duplicates += 1;
          rs.progress(++done, candidates.length, `${c.full_name ?? c.id}: reused`);
          continue;
        }
      }
      const outcome = await waterfall(rs, c, opts, s);
      if (!outcome) {
        s.skipped.no_lookup_input += 1;
      } else if (!(await record(rs, c, outcome, now, s))) {
        s.duplicates += 1;
      } else if (outcome.status === "valid") s.valid += 1;
      else if (outcome.status === "risky") s.risky += 1;
      else if (outcome.status === "invalid") s.invalid += 1;
      else if (outcome.status === "unknown" && outcome.email) s.unknown += 1;
      else s.notFound += 1;
      s.creditsSpent = round(rs.spent - startSpent);
      rs.progress(++done, candidates.length, `${c.full_name ?? c.id}: ${outcome?.status ?? "no input"}`);
    }
  } finally {
    s.creditsSpent = round(rs.spent - startSpent);
  }
}

/** Writes the outcome. Returns false when the address belongs to another contact of the offer. */
async function record(rs: RunState, c: Candidate, o: Outcome, now: Date, s: EnrichEmailsSummary): Promise<boolean> {
  const check = { status: o.status, email: o.email, source: o.source, at: now };
  const hook = rs.ctx.onContactEmails;
  let result: "recorded" | "duplicate_email" | null = null;
  if (hook && o.email) {
    // The address and what waited for it (a booking kept for nobody) commit together.
    const email = o.email;
    try {
      result = await rs.ctx.db.transaction().execute(async (trx) => {
        const r = await contacts.recordEmailCheck(trx, c, check);
        if (r === "recorded") await hook(trx, [email]);
        return r;
      });
    } catch (error) {
      // The address is another contact's (a unique violation aborts the transaction on
      // PostgreSQL): nothing was written; the plain write below records the duplicate.
      if (!["23505", "25P02"].includes((error as { code?: string }).code ?? "")) throw error;
    }
  }
  result ??= await contacts.recordEmailCheck(rs.ctx.db, c, check);
  if (result === "recorded") return true;
  // Another contact of this offer already has the address: the same person found twice.
  pushError(s, {
    provider: o.source ?? "pipeline",
    kind: "invalid",
    message: `${o.email} already belongs to another contact of this offer`,
    item: c.id,
  });
  return false;
}
