/**
 * An account taken off a campaign (`editCampaign --accounts`): the first touches planned from it
 * and not yet claimed go out from a remaining account, once, through the real send path
 * (`dispatchDue`); follow-ups that need the same sender (a thread) stay cancelled with their
 * reason. Both for contacts of no experiment and for experiment contacts pinned at enrolment.
 */
import { accounts, companies, contacts, messageTemplates } from "@offerlab/db";
import type { EmailSender, LinkedInSender, SendEmailInput, SendInvitationInput } from "@offerlab/provider-kit";
import { dispatchDue, planDue } from "@offerlab/scheduler";
import { describe, expect, it } from "vitest";
import { addMailbox, AROUND_THE_CLOCK, addPeople, baseOffer, copy, NOW, testEngines, useTestDb } from "../__tests__/world.js";
import { defineExperiment } from "../experiments/define-experiment.js";
import { createOffer } from "../offers/create-offer.js";
import { addTemplateVariant } from "../templates/add-template-variant.js";
import { approveTemplates } from "../templates/approve-templates.js";
import { createCampaign } from "./create-campaign.js";
import { editCampaign } from "./edit-campaign.js";
import { enrolContacts } from "./enrol-contacts.js";
import { launchCampaign } from "./launch-campaign.js";

const DAY = 86_400_000;

/** An email sender that records every call (the provider is the only thing faked). */
function recordingSender() {
  const calls: SendEmailInput[] = [];
  const sender: EmailSender = {
    provider: "test",
    sendEmail: async (input) => {
      calls.push(input);
      return { trackingId: `t-${calls.length}`, emailId: `e-${calls.length}` };
    },
  };
  return { calls, senders: { email: sender } };
}

/** A LinkedIn sender that records invitations (profiles resolve to a member id seen by the account). */
function recordingLinkedIn() {
  const invitations: SendInvitationInput[] = [];
  const resolved: string[] = [];
  const linkedin: LinkedInSender = {
    provider: "test",
    resolveProfile: async (accountId, profile) => {
      resolved.push(accountId);
      return {
        providerId: `${accountId}:${profile}`,
        publicId: null,
        linkedinUrl: profile,
        firstName: null,
        lastName: null,
        headline: null,
        connectionDegree: 2,
        isConnection: false,
        pendingInvitation: null,
        canSendInMail: null,
        isOpenProfile: null,
      };
    },
    sendInvitation: async (input) => {
      invitations.push(input);
      return { invitationId: `inv-${invitations.length}` };
    },
    listSentInvitations: async () => ({ items: [], cursor: null }),
    cancelInvitation: async () => undefined,
    startChat: async () => ({ chatId: "c", messageId: "m" }),
    sendChatMessage: async () => ({ chatId: "c", messageId: "m" }),
  };
  return { invitations, resolved, linkedin };
}

describe.each(testEngines())("sends of an account taken off a campaign on %s", (engine) => {
  const t = useTestDb(engine);
  let at = NOW;
  const ctx = () => ({ db: t.db, now: () => at });
  /** The send path half an hour on (past the planner's jitter), until nothing is due. */
  const run = (senders: { email: EmailSender }) =>
    dispatchDue({ db: t.db, senders, now: () => new Date(at.getTime() + 30 * 60_000), accountGapMs: { min: 0, max: 0 } });

  async function campaignOf(slug: string, accounts: string[], name: string) {
    const { campaign } = await createCampaign(ctx(), {
      offer: slug,
      name,
      channel: "email",
      accounts,
      ...AROUND_THE_CLOCK,
    });
    return campaign;
  }

  /** The step-1 emails sent to the campaign's people: to → the account ids they went from. */
  async function firstTouches(campaignId: string) {
    const rows = await t.db
      .selectFrom("messages as m")
      .innerJoin("contacts as c", "c.id", "m.contact_id")
      .select(["c.email", "m.account_id"])
      .where("m.campaign_id", "=", campaignId)
      .where("m.sequence_step", "=", 1)
      .where("m.sent_at", "is not", null)
      .execute();
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.email!, [...(out.get(r.email!) ?? []), r.account_id!]);
    return out;
  }

  it("a first email planned from the removed account goes out once from a remaining one; a follow-up in its thread stays cancelled", async () => {
    at = NOW;
    const { offer } = await createOffer(ctx(), { offer: { ...baseOffer, name: "Reroute", ...copy } });
    await approveTemplates(ctx(), { offer: offer.slug! });
    const old = await addMailbox(t.db, "reroute-old");
    const fresh = await addMailbox(t.db, "reroute-new");
    await addPeople(t.db, offer.id, "early", 2);
    const campaign = await campaignOf(offer.slug!, [old.name], "Reroute push");
    await enrolContacts(ctx(), { campaign: campaign.id });
    await launchCampaign(ctx(), { campaign: campaign.id });
    const provider = recordingSender();
    expect((await planDue({ db: t.db, now: () => at, campaignId: campaign.id })).planned).toBe(2);
    expect((await run(provider.senders)).outcomes.sent).toBe(2);

    // Four days on: the early people's follow-ups are planned in the old mailbox's thread, and two
    // people enrolled now get their first email planned from the old mailbox too.
    at = new Date(NOW.getTime() + 4 * DAY);
    await addPeople(t.db, offer.id, "late", 2);
    await enrolContacts(ctx(), { campaign: campaign.id });
    expect((await planDue({ db: t.db, now: () => at, campaignId: campaign.id })).planned).toBe(4);

    const r = await editCampaign(ctx(), { campaign: campaign.id, accounts: [fresh.name] });
    expect(r.removedAccounts.map((a) => a.id)).toEqual([old.id]);
    expect(r).toMatchObject({ queueMoved: 2, queueCancelled: 2, contactsStranded: 2 });
    const queue = await t.db
      .selectFrom("send_queue")
      .select(["sequence_step", "account_id", "status", "defer_reason", "body"])
      .where("campaign_id", "=", campaign.id)
      .where("sequence_step", "=", 2)
      .execute();
    expect(queue.map((q) => [q.account_id, q.status, q.defer_reason])).toEqual([
      [old.id, "cancelled", "sender_unavailable"],
      [old.id, "cancelled", "sender_unavailable"],
    ]);

    provider.calls.length = 0;
    const sent = await run(provider.senders);
    expect(sent.outcomes.sent).toBe(2);
    expect(provider.calls.map((c) => c.accountId)).toEqual([fresh.unipile_account_id, fresh.unipile_account_id]);
    expect(provider.calls.map((c) => c.to[0]!.email).sort()).toEqual(["p0@late.co", "p1@late.co"]);
    const touches = await firstTouches(campaign.id);
    expect(touches.get("p0@late.co")).toEqual([fresh.id]);
    expect(touches.get("p1@late.co")).toEqual([fresh.id]);
    // The planner does not plan the step again, and nothing more goes out.
    await planDue({ db: t.db, now: () => at, campaignId: campaign.id });
    expect((await run(provider.senders)).outcomes.sent).toBe(0);
    expect((await firstTouches(campaign.id)).get("p0@late.co")).toEqual([fresh.id]);
  });

  it("a LinkedIn invitation planned from the removed account goes out once from a remaining one", async () => {
    at = NOW;
    const { offer } = await createOffer(ctx(), { offer: { ...baseOffer, name: "Reroute Li", ...copy } });
    await approveTemplates(ctx(), { offer: offer.slug! });
    const li = (name: string) => accounts.create(t.db, { name, type: "linkedin", owner: "ann", unipile_account_id: `uni-${name}` });
    const old = await li("rl-old");
    const fresh = await li("rl-new");
    const { company } = await companies.upsert(t.db, {
      offer_id: offer.id,
      name: "Li Co",
      domain: "li.co",
      source_tool: "test",
      fit_score: 8,
      status: "qualified",
    });
    for (const slug of ["ann", "bob"])
      await contacts.upsert(t.db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "test",
        status: "ready",
        full_name: slug,
        linkedin_url: `https://www.linkedin.com/in/member-${slug}`,
      });
    const { campaign } = await createCampaign(ctx(), {
      offer: offer.slug!,
      name: "Reroute li push",
      channel: "linkedin",
      accounts: [old.name],
      ...AROUND_THE_CLOCK,
    });
    await enrolContacts(ctx(), { campaign: campaign.id });
    await launchCampaign(ctx(), { campaign: campaign.id });
    expect((await planDue({ db: t.db, now: () => at, campaignId: campaign.id })).planned).toBe(2);

    const r = await editCampaign(ctx(), { campaign: campaign.id, accounts: [fresh.name] });
    expect(r).toMatchObject({ queueMoved: 2, queueCancelled: 0, contactsStranded: 0 });
    const provider = recordingLinkedIn();
    const sent = await dispatchDue({
      db: t.db,
      senders: { linkedin: provider.linkedin },
      now: () => new Date(at.getTime() + 30 * 60_000),
      accountGapMs: { min: 0, max: 0 },
    });
    expect(sent.outcomes.sent).toBe(2);
    expect(provider.invitations.map((i) => i.accountId)).toEqual([fresh.unipile_account_id, fresh.unipile_account_id]);
    expect(new Set(provider.resolved)).toEqual(new Set([fresh.unipile_account_id]));
    const rows = await t.db
      .selectFrom("send_queue")
      .select(["account_id", "status", "action_type"])
      .where("campaign_id", "=", campaign.id)
      .execute();
    expect(rows).toEqual([
      { account_id: fresh.id, status: "sent", action_type: "connection_request" },
      { account_id: fresh.id, status: "sent", action_type: "connection_request" },
    ]);
  });

  it("an experiment contact re-pinned to a remaining account gets its arm's first email from it, once", async () => {
    at = NOW;
    const { offer } = await createOffer(ctx(), { offer: { ...baseOffer, name: "Reroute Exp", ...copy } });
    await approveTemplates(ctx(), { offer: offer.slug! });
    const step1 = (await messageTemplates.list(t.db, { offerId: offer.id, channel: "email" })).find((x) => x.sequence_step === 1)!;
    const b = await addTemplateVariant(ctx(), { template: step1.id, variant: "B", body: "Hi {{first_name|there}}, a shorter question." });
    await approveTemplates(ctx(), { templates: [b.template.id] });
    const one = await addMailbox(t.db, "rx-one");
    const two = await addMailbox(t.db, "rx-two");
    await addPeople(t.db, offer.id, "rxpeople", 6);
    const campaign = await campaignOf(offer.slug!, [one.name, two.name], "Reroute exp push");
    await defineExperiment(ctx(), {
      name: "Reroute copy",
      hypothesis: "h",
      kind: "copy_variants",
      offer: offer.slug!,
      step: 1,
      plannedMaturedPerArm: 100,
      arms: [{ ref: step1.id }, { ref: b.template.id }],
    });
    await enrolContacts(ctx(), { campaign: campaign.id });
    await launchCampaign(ctx(), { campaign: campaign.id });
    expect((await planDue({ db: t.db, now: () => at, campaignId: campaign.id })).planned).toBe(6);
    const onTwo = await t.db
      .selectFrom("send_queue")
      .select("campaign_contact_id")
      .where("campaign_id", "=", campaign.id)
      .where("account_id", "=", two.id)
      .execute();
    expect(onTwo).toHaveLength(3);

    const r = await editCampaign(ctx(), { campaign: campaign.id, accounts: [one.name] });
    expect(r).toMatchObject({ queueMoved: 3, queueCancelled: 0, contactsStranded: 0, experimentContacts: { repinned: 3, kept: 0 } });

    const provider = recordingSender();
    expect((await run(provider.senders)).outcomes.sent).toBe(6);
    expect(new Set(provider.calls.map((c) => c.accountId))).toEqual(new Set([one.unipile_account_id]));
    const touches = await firstTouches(campaign.id);
    expect([...touches.values()].every((ids) => ids.length === 1 && ids[0] === one.id)).toBe(true);
    expect(touches.size).toBe(6);
    // Each sent the copy of its arm: the variant recorded on the message is the assigned arm's template.
    const sent = await t.db
      .selectFrom("messages as m")
      .innerJoin("experiment_assignments as ea", "ea.campaign_contact_id", "m.campaign_contact_id")
      .innerJoin("experiment_arms as arm", "arm.id", "ea.arm_id")
      .select(["m.template_id", "arm.template_id as armTemplate", "ea.stratum"])
      .where("m.campaign_id", "=", campaign.id)
      .execute();
    expect(sent.every((s) => s.template_id === s.armTemplate)).toBe(true);
    expect(sent.every((s) => s.stratum === `account=${one.unipile_account_id}|icp=saas`)).toBe(true);
  });
});
