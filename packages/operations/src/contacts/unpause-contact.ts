/**
 * Un-pause a contact's sequence that waits for a human: one paused by the planner (a missing
 * template, a lint failure, a bad schedule) or held after an out-of-office reply. It goes back to
 * `queued` (not started) or `in_progress`, its sends held for it are due again, and its next step
 * is due now: the planner plans it on its next pass, and the send path judges every send as usual
 * (window, caps, eligibility). Nothing is written when the contact has no such sequence.
 */
import { ValidationError } from "@offerlab/core";
import { campaignContacts, resolve, sendQueue, type CampaignContact } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { contactOf } from "./edit-contact.js";

export interface UnpauseContactInput {
  /** The contact's id, email address or LinkedIn profile URL. */
  contact: string;
  /** The offer (id, slug or name) whose row it is, when the person has rows in several offers. */
  offer?: string;
  /** The campaign (id, slug or name), when the contact is paused in several. */
  campaign?: string;
}

export interface UnpauseContactResult {
  campaignContact: CampaignContact;
  /** The campaign's slug (or id). */
  campaign: string;
  /** What held it: the pause reason, or `out_of_office until …`. */
  was: string;
  /** Queue rows held for it that are due again. */
  released: number;
}

export async function unpauseContact(ctx: OperationContext, input: UnpauseContactInput): Promise<UnpauseContactResult> {
  const now = nowOf(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const contact = await contactOf(trx, input.contact, input.offer);
    const campaignId = input.campaign !== undefined ? (await resolve.campaign(trx, input.campaign)).id : undefined;
    const paused = (await campaignContacts.pausedOf(trx, contact.id, now)).filter((cc) => !campaignId || cc.campaign_id === campaignId);
    const who = contact.email ?? contact.linkedin_url ?? contact.id;
    if (paused.length === 0) {
      throw new ValidationError(`contact ${who}`, [
        {
          field: input.campaign !== undefined ? "campaign" : "contact",
          message: `is not paused${input.campaign !== undefined ? " in that campaign" : " in any running campaign"} (see \`offerlab why ${who}\`)`,
        },
      ]);
    }
    if (paused.length > 1) {
      throw new ValidationError(`contact ${who}`, [
        {
          field: "campaign",
          message: `is paused in ${paused.length} campaigns (${paused.map((p) => p.campaign_slug ?? p.campaign_id).join(", ")}): name one with --campaign`,
        },
      ]);
    }
    const cc = paused[0]!;
    const was = cc.status === "paused" ? (cc.stop_reason ?? "paused") : `out_of_office until ${cc.paused_until!.toISOString()}`;
    const campaignContact = await campaignContacts.resumeByHand(trx, cc.id, now);
    const released = await sendQueue.releaseHeldRows(trx, cc.id, now);
    return { campaignContact, campaign: cc.campaign_slug ?? cc.campaign_id, was, released };
  });
}
