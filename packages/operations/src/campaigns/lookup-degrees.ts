/**
 * Ask LinkedIn (through Unipile's profile lookup, `GET /users/{id}`) for the connection degree of
 * a campaign's contacts whose degree is unknown, before they are enrolled, so that the campaign's
 * `connection_degrees` targeting and its type (`networking`: 1st-degree only; `cold_outreach`: no
 * 1st-degree) can apply.
 *
 * Each lookup is a real profile view, which counts against LinkedIn's limits: it goes through one
 * of the campaign's own LinkedIn accounts that may send now (not paused, disconnected, unhealthy,
 * unlinked; burner accounts only when the campaign opts in), and spends one unit of that account's
 * daily profile-view budget ({@link PROFILE_VIEWS_PER_DAY}), reserved with one guarded statement
 * before the call. The call happens outside any transaction. The degree is as the looking account
 * sees it (LinkedIn degrees are per member; with several accounts the first to look decides).
 *
 * Fail closed: an answer without a degree we know (OUT_OF_NETWORK, a value Unipile has not
 * documented) leaves `connection_degree` NULL, and enrolment then keeps the contact out of any
 * campaign that needs a degree (`degree_unknown`). A rate limit or an auth / credits failure stops
 * using that account for this run; a lookup that failed is retried by a later run, one that
 * answered is not repeated.
 */
import { accounts as accountRows, contacts, campaignAdmin, profileViews, PROFILE_VIEWS_PER_DAY, type Account } from "@offerlab/db";
import { ProviderError, type LinkedInSender } from "@offerlab/provider-kit";
import { SchedulingConfig, ValidationError } from "@offerlab/core";
import { sendBlock } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface LookupDegreesContext extends OperationContext {
  /** Unipile's LinkedIn adapter (real or sandboxed): only its profile lookup is used. */
  linkedin: Pick<LinkedInSender, "resolveProfile">;
}

export interface LookupDegreesInput {
  /** The campaign's id, slug or name. */
  campaign: string;
  /** Look up at most this many contacts in this run. Default 200. */
  limit?: number;
}

export interface LookupDegreesResult {
  /** Lookups that answered, by the degree they gave (`unknown`: no degree we know, left NULL). */
  found: { "1": number; "2": number; "3": number; unknown: number };
  /** Lookups that failed (retried by a later run). */
  failed: number;
  /** Contacts still waiting for a lookup because no account had profile views left (or could look). */
  notLookedUp: number;
  /** Each account used or skipped, with its views spent today after this run and why it stopped, if it did. */
  accounts: { name: string; viewsToday: number; stopped: string | null }[];
}

const DEFAULT_LIMIT = 200;

export async function lookupConnectionDegrees(ctx: LookupDegreesContext, input: LookupDegreesInput): Promise<LookupDegreesResult> {
  const limit = input.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new ValidationError("degree lookup", [{ field: "limit", message: `must be a whole number of at least 1 (got ${limit})` }]);
  const now = nowOf(ctx);
  const { accounts, pending, used } = await inTransaction(ctx.db, async (trx) => {
    const campaign = await campaignAdmin.get(trx, input.campaign);
    const config = SchedulingConfig.safeParse(campaign.scheduling_config);
    const burners = config.success && config.data.use_burner_accounts === true;
    const ids = [...new Set([...(campaign.account_id ? [campaign.account_id] : []), ...(campaign.account_ids ?? []).map((a) => a.id)])];
    const all: Account[] = [];
    for (const id of ids) {
      const a = await accountRows.get(trx, id);
      if (a && a.type === "linkedin") all.push(a);
    }
    const accounts = all
      .filter((a) => burners || a.rotation_set !== "burner")
      .map((a) => ({ account: a, block: sendBlock(a, now)?.reason ?? null }));
    const pending = await contacts.awaitingDegreeLookup(trx, campaign.offer_id, limit);
    const used = await profileViews.usedToday(
      trx,
      accounts.map((a) => a.account.id),
      now,
    );
    return { accounts, pending, used };
  });

  const result: LookupDegreesResult = { found: { "1": 0, "2": 0, "3": 0, unknown: 0 }, failed: 0, notLookedUp: 0, accounts: [] };
  const state = accounts.map((a) => ({
    account: a.account,
    views: used.get(a.account.id) ?? 0,
    stopped: a.block as string | null,
  }));
  for (const contact of pending) {
    // The account with the most views left today looks (ties: the natural order of names).
    const open = state
      .filter((s) => s.stopped === null && s.views < PROFILE_VIEWS_PER_DAY)
      .sort((a, b) => a.views - b.views || a.account.name.localeCompare(b.account.name));
    const looker = open[0];
    if (!looker) {
      result.notLookedUp++;
      continue;
    }
    if (!(await profileViews.reserve(ctx.db, looker.account.id, now))) {
      // Another run spent the rest of the day's budget meanwhile.
      looker.views = PROFILE_VIEWS_PER_DAY;
      looker.stopped = "profile_view_budget";
      result.notLookedUp++;
      continue;
    }
    looker.views++;
    try {
      const profile = await ctx.linkedin.resolveProfile(looker.account.unipile_account_id!, contact.linkedin_url);
      const degree = profile.connectionDegree;
      await inTransaction(ctx.db, async (trx) => {
        await contacts.recordConnectionDegree(trx, contact.id, degree);
        await profileViews.record(trx, { accountId: looker.account.id, contactId: contact.id, status: "success", at: now });
      });
      result.found[degree === null ? "unknown" : (String(degree) as "1" | "2" | "3")]++;
    } catch (error) {
      result.failed++;
      const limited = ProviderError.isInstance(error) && error.kind === "rate_limited";
      await profileViews.record(ctx.db, {
        accountId: looker.account.id,
        contactId: contact.id,
        status: limited ? "rate_limited" : "failed",
        error: (error as Error).message,
        at: now,
      });
      // A person LinkedIn cannot resolve is that person's problem; anything else is the account's
      // (or the provider's): stop looking through it for this run.
      const personal = ProviderError.isInstance(error) && (error.kind === "not_found" || error.kind === "invalid");
      if (!personal) looker.stopped = ProviderError.isInstance(error) ? `provider_${error.kind}` : "provider_error";
    }
  }
  result.accounts = state.map((s) => ({ name: s.account.name, viewsToday: s.views, stopped: s.stopped }));
  return result;
}
