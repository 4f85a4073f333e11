/**
 * Accounts taken off a campaign (`editCampaign`): the sends not yet claimed that another account
 * can make go out from a remaining account instead of being cancelled, so nobody is stranded.
 *
 * A row moves when nothing has gone to the person from the removed account (no message of it
 * with a send time, no row of it claimed or past the claim) and its step needs no relation with
 * that sender: a LinkedIn invitation or an email that starts no thread of its own there (the
 * contact's sticky sender for the channel is not a removed account). Experiment contacts pinned
 * to a removed account are re-pinned first (`repinExperimentContacts`, keeping the strata
 * balanced), and their rows follow the new pin; other contacts' rows go to the remaining account
 * of their rotation pool with the fewest rows moved so far, preferring accounts that can send
 * now. The copy is rendered again for the new sender (from the row's template, as the planner
 * renders it); a row whose copy no longer renders, whose step needs the same sender (a LinkedIn
 * message to a connection, a follow-up in a thread) or for which no remaining account can send
 * stays behind, and `changeSettings` cancels it (`sender_unavailable`).
 */
import { renderForSend, type MessageTemplate } from "@offerlab/copy";
import { SchedulingConfig } from "@offerlab/core";
import { sendQueue, type Account, type Campaign, type DbOrTrx } from "@offerlab/db";
import { accountKey, accountTypeFor, contactKey, rotationPool, sendBlock } from "@offerlab/scheduler";
import { repinExperimentContacts, senderAccounts, type RepinSummary } from "../experiments/allocate.js";

/** What {@link rerouteSends} did. */
export interface RerouteSummary {
  /** Rows moved to a remaining account (not cancelled). */
  moved: number;
  /** Experiment contacts re-pinned (see `repinExperimentContacts`). */
  experimentContacts: RepinSummary;
}

export async function rerouteSends(trx: DbOrTrx, campaign: Campaign, removedIds: readonly string[], now: Date): Promise<RerouteSummary> {
  const experimentContacts = await repinExperimentContacts(trx, campaign, removedIds);
  const out: RerouteSummary = { moved: 0, experimentContacts };
  const rows = await sendQueue.unclaimedRowsOfAccounts(trx, campaign.id, removedIds);
  const candidates = rows.filter((r) => {
    if (r.wentFromAccount) return false;
    if (r.action_type !== "connection_request" && r.action_type !== "email") return false;
    const sticky = r.action_type === "email" ? r.email_account_id : r.linkedin_account_id;
    return sticky === null || !removedIds.includes(sticky);
  });
  if (candidates.length === 0) return out;
  const config = SchedulingConfig.safeParse(campaign.scheduling_config);
  const allowBurner = config.success && config.data.use_burner_accounts === true;
  const remaining = {
    linkedin: (await senderAccounts(trx, campaign, "linkedin")).filter((a) => !removedIds.includes(a.id)),
    email: (await senderAccounts(trx, campaign, "email")).filter((a) => !removedIds.includes(a.id)),
  };
  const inputs = await sendQueue.renderInputs(
    trx,
    candidates.map((r) => r.id),
  );
  const load = new Map<string, number>();
  for (const r of candidates) {
    const action = r.action_type as "connection_request" | "email";
    const type = accountTypeFor(action);
    const input = inputs.get(r.id);
    if (!input?.template) continue;
    const sticky = type === "email" ? r.email_account_id : r.linkedin_account_id;
    let chosen: Account | undefined = sticky ? remaining[type].find((a) => a.id === sticky) : undefined;
    if (!chosen) {
      const pool = rotationPool(remaining[type], { action, contactKey: contactKey(input.contact), allowBurner });
      const ready = pool.filter((a) => sendBlock(a, now) === null);
      for (const a of ready.length > 0 ? ready : pool) {
        const n = load.get(a.id) ?? 0;
        const m = chosen ? (load.get(chosen.id) ?? 0) : Infinity;
        if (n < m || (n === m && chosen && accountKey(a) < accountKey(chosen))) chosen = a;
      }
    }
    if (!chosen) continue;
    const rendered = renderForSend(input.template as MessageTemplate, {
      contact: input.contact,
      company: input.company,
      offer: input.offer,
      sender: { name: chosen.name, owner: chosen.owner, email: chosen.email_address },
    });
    if (!rendered.ok) continue;
    const moved = await sendQueue.moveToAccount(trx, r.id, {
      accountId: chosen.id,
      subject: rendered.message.subject,
      body: rendered.message.body,
      personalization: rendered.message.personalization_used,
      now,
    });
    if (moved) {
      out.moved++;
      load.set(chosen.id, (load.get(chosen.id) ?? 0) + 1);
    }
  }
  return out;
}
