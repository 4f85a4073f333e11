import { ValidationError } from "@offerlab/core";
import { NotFoundError, suppressions } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { addMailbox, addPeople, baseOffer, clock, copy, NOW, testEngines, useTestDb } from "../__tests__/world.js";
import { createCampaign } from "../campaigns/create-campaign.js";
import { enrolContacts } from "../campaigns/enrol-contacts.js";
import { createOffer } from "../offers/create-offer.js";
import { addSuppression } from "./add-suppression.js";
import { importSuppressions } from "./import-suppressions.js";
import { removeSuppression } from "./remove-suppression.js";
import { suppressContacts } from "./suppress-contacts.js";

describe.each(testEngines())("suppression operations on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  async function setUp(name: string, people = 3) {
    const { offer } = await createOffer(ctx, { offer: { ...baseOffer, name, ...copy } });
    const mailbox = await addMailbox(t.db, offer.slug!);
    const ids = await addPeople(t.db, offer.id, offer.slug!, people);
    const { campaign } = await createCampaign(ctx, {
      offer: offer.slug!,
      name: `${name} push`,
      channel: "email",
      accounts: [mailbox.name],
      signal: "hiring",
      icp_target: "saas",
    });
    return { offer, mailbox, ids, campaign, domain: `${offer.slug!}.co` };
  }

  it("adds with the kind inferred, idempotently; refuses bad input; removes", async () => {
    const added = await addSuppression(ctx, { value: "Someone@Example.com", reason: "asked by mail" });
    // Stamped with the operation's clock (a sandbox's simulated one), not the wall clock.
    expect(added.suppression.created_at).toEqual(NOW);
    expect(added).toMatchObject({ created: true, suppression: { kind: "email", value: "someone@example.com", source: "manual" } });
    expect((await addSuppression(ctx, { value: "someone@example.com", reason: "again" })).created).toBe(false);
    expect((await addSuppression(ctx, { value: "https://www.linkedin.com/in/jo-smith/", reason: "r" })).suppression.kind).toBe("linkedin");
    expect((await addSuppression(ctx, { value: "https://competitor.io/pricing", reason: "r" })).suppression).toMatchObject({
      kind: "domain",
      value: "competitor.io",
    });
    const bad = await addSuppression(ctx, { value: "not an email@", reason: "" }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.issues.map((i) => i.field)).toEqual(["value", "reason"]);
    await expect(addSuppression(ctx, { value: "x.com", reason: "r", kind: "phone" as never })).rejects.toThrow(/kind/);
    expect((await removeSuppression(ctx, { value: "SOMEONE@example.com" })).removed?.value).toBe("someone@example.com");
    const missing = await removeSuppression(ctx, { value: "someone@example.com" }).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(missing) && [missing.code, missing.message]).toEqual([
      "not_found",
      'suppression "email someone@example.com" not found: see offerlab suppress list',
    ]);
    await removeSuppression(ctx, { value: "https://www.linkedin.com/in/jo-smith" });
    await removeSuppression(ctx, { value: "competitor.io" });
  });

  it("enrolment skips a suppressed person with reason suppressed; a domain suppresses everyone at it", async () => {
    const one = await setUp("Skip Co");
    await addSuppression(ctx, { value: `p1@${one.domain}`, reason: "asked" });
    const r = await enrolContacts(ctx, { campaign: one.campaign.id });
    expect(r).toMatchObject({ matched: 3, added: 2, skipped: { suppressed: 1 } });
    expect(r.skippedContacts).toEqual([expect.objectContaining({ contactId: one.ids[1], reason: "suppressed" })]);

    const all = await setUp("Domain Co");
    await addSuppression(ctx, { value: all.domain, reason: "customer" });
    expect(await enrolContacts(ctx, { campaign: all.campaign.id })).toMatchObject({ matched: 3, added: 0, skipped: { suppressed: 3 } });
  });

  it("adding a suppression cancels the person's pending sends in the same transaction", async () => {
    const s = await setUp("Cancel Co", 2);
    await enrolContacts(ctx, { campaign: s.campaign.id });
    const rows: { id: string }[] = [];
    const ccs = await t.db.selectFrom("campaign_contacts").select(["id", "contact_id"]).where("campaign_id", "=", s.campaign.id).execute();
    for (const contactId of s.ids) {
      const cc = ccs.find((c) => c.contact_id === contactId)!;
      rows.push(
        await t.db
          .insertInto("send_queue")
          .values({
            campaign_id: s.campaign.id,
            campaign_contact_id: cc.id,
            contact_id: contactId,
            account_id: s.mailbox.id,
            channel: "email",
            action_type: "email",
            sequence_step: 1,
            scheduled_for: NOW,
            status: "pending",
            body: "Hi",
          })
          .returning("id")
          .executeTakeFirstOrThrow(),
      );
    }
    const r = await addSuppression(ctx, { value: `p0@${s.domain}`, reason: "asked" });
    expect(r).toMatchObject({ contacts: 1, cancelled: 1 });
    const after = await t.db
      .selectFrom("send_queue")
      .select(["id", "status", "defer_reason"])
      .where("campaign_id", "=", s.campaign.id)
      .execute();
    expect(after.find((x) => x.id === rows[0]!.id)).toMatchObject({ status: "cancelled", defer_reason: "suppressed" });
    expect(after.find((x) => x.id === rows[1]!.id)).toMatchObject({ status: "pending" });
  });

  it("suppresses the people behind a set of contacts in one transaction, cancelling their pending sends", async () => {
    const s = await setUp("Bulk Co", 3);
    await enrolContacts(ctx, { campaign: s.campaign.id });
    const ccs = await t.db.selectFrom("campaign_contacts").select(["id", "contact_id"]).where("campaign_id", "=", s.campaign.id).execute();
    const queued = await t.db
      .insertInto("send_queue")
      .values(
        s.ids.map((contactId) => ({
          campaign_id: s.campaign.id,
          campaign_contact_id: ccs.find((c) => c.contact_id === contactId)!.id,
          contact_id: contactId,
          account_id: s.mailbox.id,
          channel: "email" as const,
          action_type: "email" as const,
          sequence_step: 1,
          scheduled_for: NOW,
          status: "pending" as const,
          body: "Hi",
        })),
      )
      .returning(["id", "contact_id"])
      .execute();
    // A LinkedIn URL is suppressed too; an id given twice counts once.
    await t.db.updateTable("contacts").set({ linkedin_url: "https://www.linkedin.com/in/bulk-one" }).where("id", "=", s.ids[1]!).execute();
    const r = await suppressContacts(ctx, { contactIds: [s.ids[0]!, s.ids[1]!, s.ids[1]!], reason: "bulk from the dashboard" });
    expect(r).toEqual({ contacts: 2, added: 3, cancelled: 2, skipped: 0 });
    const list = (await suppressions.list(t.db)).filter((x) => x.reason === "bulk from the dashboard").map((x) => `${x.kind}:${x.value}`);
    expect(list.sort()).toEqual([`email:p0@${s.domain}`, `email:p1@${s.domain}`, "linkedin:https://www.linkedin.com/in/bulk-one"].sort());
    const after = await t.db.selectFrom("send_queue").select(["id", "status"]).where("campaign_id", "=", s.campaign.id).execute();
    const statusOf = (contactId: string) => after.find((x) => x.id === queued.find((q) => q.contact_id === contactId)!.id)!.status;
    expect(statusOf(s.ids[0]!)).toBe("cancelled");
    expect(statusOf(s.ids[1]!)).toBe("cancelled");
    expect(statusOf(s.ids[2]!)).toBe("pending");
    // Again: nothing new, nothing more cancelled.
    expect(await suppressContacts(ctx, { contactIds: [s.ids[0]!], reason: "again" })).toEqual({
      contacts: 1,
      added: 0,
      cancelled: 0,
      skipped: 0,
    });
  });

  it("refuses a bulk suppression without a reason, without contacts or with ids that are not contact ids, writing nothing", async () => {
    const before = (await suppressions.list(t.db)).length;
    for (const input of [
      { contactIds: ["00000000-0000-0000-0000-000000000001"], reason: " " },
      { contactIds: [], reason: "why" },
      { contactIds: ["1; DROP TABLE contacts"], reason: "why" },
    ]) {
      const error = await suppressContacts(ctx, input).catch((e: unknown) => e);
      expect(ValidationError.isInstance(error), JSON.stringify(input)).toBe(true);
    }
    await expect(suppressContacts(ctx, { contactIds: [], reason: "" })).rejects.toThrow(
      /contactIds: select at least one contact; reason: is required/,
    );
    expect(await suppressions.list(t.db)).toHaveLength(before);
  });

  it("imports rows: invalid rows block everything unless skipInvalid", async () => {
    const rows = [{ value: "a@import.io", reason: "list" }, { value: "not-valid@", reason: "list" }, { value: "import2.io" }];
    const refused = await importSuppressions(ctx, { rows }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(refused) && refused.issues.map((i) => i.field)).toEqual(["row 2", "row 3"]);
    expect((await suppressions.list(t.db)).filter((x) => x.value.includes("import"))).toEqual([]);
    const done = await importSuppressions(ctx, { rows, skipInvalid: true, defaultReason: "unused" });
    // With a default reason row 3 is valid; row 2 stays invalid and is reported.
    expect(done).toMatchObject({ added: 2, existing: 0, invalid: [{ row: 2 }] });
    const again = await importSuppressions(ctx, { rows: [{ value: "a@import.io", reason: "x" }] });
    expect(again).toMatchObject({ added: 0, existing: 1 });
    expect((await suppressions.list(t.db)).filter((x) => x.value.includes("import")).map((x) => x.source)).toEqual(["csv", "csv"]);
  });
});
