import { ValidationError } from "@offerlab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accounts,
  campaignContacts,
  campaigns,
  companies,
  contacts,
  NotFoundError,
  offerCopy,
  offers,
  resolve,
  tools,
  toolUsage,
} from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const offerInput = { name: "AI Sales Coach", type: "product", ownership: "internal", description: "Cuts ramp time." };

describe.each(testEngines())("repositories on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t.drop();
  });

  describe("offers", () => {
    it("creates with a slug from the name, lists and finds by id or slug", async () => {
      const o = await offers.create(t.db, offerInput);
      expect(o.slug).toBe("ai-sales-coach");
      expect(o.status).toBe("draft");
      expect((await offers.get(t.db, o.id))?.name).toBe("AI Sales Coach");
      expect((await offers.get(t.db, "ai-sales-coach"))?.id).toBe(o.id);
      expect((await offers.list(t.db)).map((x) => x.id)).toContain(o.id);
      expect(await offers.list(t.db, { status: "killed" })).toEqual([]);
    });

    it("rejects bad input naming each field, and writes nothing", async () => {
      const before = (await offers.list(t.db)).length;
      const err = await offers.create(t.db, { name: "X", type: "gadget", ownership: "internal", colour: "red" }).catch((e: unknown) => e);
      expect(ValidationError.isInstance(err)).toBe(true);
      const fields = (err as ValidationError).issues.map((i) => i.field);
      expect(fields).toEqual(expect.arrayContaining(["type", "description"]));
      expect((err as ValidationError).message).toMatch(/type: must be one of "product", "service"/);
      expect((err as ValidationError).message).toMatch(/colour/);
      expect((await offers.list(t.db)).length).toBe(before);
    });

    it("requires client_name for client offers and refuses a taken slug", async () => {
      await expect(offers.create(t.db, { ...offerInput, ownership: "client", slug: "c1" })).rejects.toThrow(/client_name/);
      await expect(offers.create(t.db, { ...offerInput, slug: "ai-sales-coach" })).rejects.toThrow(
        /slug: "ai-sales-coach" is already used/,
      );
    });

    it("stores JSONB documents and validates them", async () => {
      const o = await offers.create(t.db, {
        ...offerInput,
        slug: "with-templates",
        email_templates: { sequence: [{ step: 1, subject: "Hi", body: "Hello {{first_name}}", delay_days: 0 }] },
      });
      expect(o.email_templates?.sequence[0]?.subject).toBe("Hi");
      await expect(
        offers.create(t.db, { ...offerInput, slug: "bad-templates", linkedin_templates: { connection_request: "x".repeat(301) } }),
      ).rejects.toThrow(/linkedin_templates\.connection_request/);
    });
  });

  it("refuses text over its field's size on every write, naming the field and the limit, and writes nothing", async () => {
    const offer = await offers.create(t.db, { ...offerInput, slug: "sizes" });
    const refused = async (write: Promise<unknown>, field: string, limit: number) => {
      const err = await write.catch((e: unknown) => e);
      expect(ValidationError.isInstance(err)).toBe(true);
      expect((err as ValidationError).issues).toEqual([
        { field, message: expect.stringMatching(new RegExp(`^must be at most ${limit} characters \\(got \\d+\\)$`)) },
      ]);
    };
    await refused(offers.create(t.db, { ...offerInput, slug: "big", name: "n".repeat(300 * 1024) }), "name", 200);
    await refused(offerCopy.update(t.db, "sizes", { description: "d".repeat(5 * 1024 * 1024) }), "description", 10_000);
    await refused(
      companies.upsert(t.db, { offer_id: offer.id, name: "x".repeat(300 * 1024), domain: "big.io", source_tool: "manual" }),
      "name",
      300,
    );
    const company = (await companies.upsert(t.db, { offer_id: offer.id, name: "Fine", domain: "fine.io", source_tool: "manual" })).company;
    await refused(
      companies.upsert(t.db, {
        offer_id: offer.id,
        name: "Fine",
        domain: "fine.io",
        description: "d".repeat(5 * 1024 * 1024),
        source_tool: "manual",
      }),
      "description",
      10_000,
    );
    await refused(
      contacts.upsert(t.db, {
        offer_id: offer.id,
        company_id: company.id,
        email: "a@fine.io",
        title: "t".repeat(501),
        source_tool: "manual",
      }),
      "title",
      500,
    );
    expect((await offers.get(t.db, "sizes"))?.description).toBe(offerInput.description);
    expect((await companies.listByOffer(t.db, offer.id)).map((c) => [c.name, c.description])).toEqual([["Fine", null]]);
    expect(await t.db.selectFrom("contacts").select("id").where("offer_id", "=", offer.id).execute()).toEqual([]);
    expect(await offers.get(t.db, "big")).toBeUndefined();
  });

  describe("companies and contacts", () => {
    let offerId: string;
    beforeAll(async () => {
      offerId = (await offers.create(t.db, { ...offerInput, slug: "dedupe" })).id;
    });

    it("dedupes companies on the normalised domain and merges without blanking", async () => {
      const a = await companies.upsert(t.db, {
        offer_id: offerId,
        name: "Acme",
        domain: "https://www.ACME.com/about",
        source_tool: "exa",
        size: "51-200",
        signals: { tech_stack: ["hubspot"] },
      });
      expect(a.created).toBe(true);
      expect(a.company.domain).toBe("acme.com");
      const b = await companies.upsert(t.db, {
        offer_id: offerId,
        name: "Acme Inc",
        domain: "acme.com",
        source_tool: "theirstack",
        size: null,
        industry: "Software",
        signals: { hiring: { sales_reps: 3 } },
      });
      expect(b.created).toBe(false);
      expect(b.company.id).toBe(a.company.id);
      expect(b.company.name).toBe("Acme");
      expect(b.company.size).toBe("51-200");
      expect(b.company.industry).toBe("Software");
      expect(b.company.source_tool).toBe("exa");
      expect(b.company.signals).toEqual({ tech_stack: ["hubspot"], hiring: { sales_reps: 3 } });
      await expect(companies.upsert(t.db, { offer_id: offerId, name: "Bad", domain: "not a domain", source_tool: "x" })).rejects.toThrow(
        /domain/,
      );
    });

    it("dedupes contacts on normalised email or LinkedIn URL and merges", async () => {
      const company = (await companies.upsert(t.db, { offer_id: offerId, name: "Globex", domain: "globex.io", source_tool: "manual" }))
        .company;
      const base = { offer_id: offerId, company_id: company.id, source_tool: "manual" };
      const a = await contacts.upsert(t.db, { ...base, full_name: "Jane Doe", email: " Jane@Globex.io " });
      expect(a.created).toBe(true);
      expect(a.contact.email).toBe("jane@globex.io");
      const b = await contacts.upsert(t.db, {
        ...base,
        email: "JANE@globex.io",
        linkedin_url: "linkedin.com/in/Jane-Doe/",
        title: "VP Sales",
        full_name: "J. Doe",
      });
      expect(b.created).toBe(false);
      expect(b.contact.id).toBe(a.contact.id);
      expect(b.contact.full_name).toBe("Jane Doe");
      expect(b.contact.title).toBe("VP Sales");
      expect(b.contact.linkedin_url).toBe("https://www.linkedin.com/in/jane-doe");
      const c = await contacts.upsert(t.db, { ...base, linkedin_url: "https://uk.linkedin.com/in/jane-doe?trk=x", phone: "+331" });
      expect(c.contact.id).toBe(a.contact.id);
      expect(c.contact.phone).toBe("+331");
      expect((await contacts.findPerson(t.db, { email: "jane@GLOBEX.io" })).map((x) => x.id)).toEqual([a.contact.id]);
      await expect(contacts.upsert(t.db, { ...base, email: "nope" })).rejects.toThrow(/email/);
    });

    it("does not create duplicates when the same person is upserted concurrently", async () => {
      const company = (await companies.upsert(t.db, { offer_id: offerId, name: "Initech", domain: "initech.com", source_tool: "manual" }))
        .company;
      const input = { offer_id: offerId, company_id: company.id, source_tool: "manual", email: "bob@initech.com" };
      const results = await Promise.all(Array.from({ length: 5 }, () => contacts.upsert(t.db, input)));
      expect(new Set(results.map((r) => r.contact.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it("refuses a contact whose company belongs to another offer", async () => {
      const other = (await offers.create(t.db, { ...offerInput, slug: "other-offer" })).id;
      const company = (await companies.upsert(t.db, { offer_id: offerId, name: "Hooli", domain: "hooli.com", source_tool: "manual" }))
        .company;
      await expect(
        contacts.upsert(t.db, { offer_id: other, company_id: company.id, source_tool: "manual", email: "x@hooli.com" }),
      ).rejects.toThrow(/foreign key/i);
    });
  });

  describe("campaigns, accounts, tool usage", () => {
    it("creates campaigns with validated JSONB and adds contacts idempotently", async () => {
      const offer = await offers.create(t.db, { ...offerInput, slug: "campaigns" });
      const account = await accounts.create(t.db, { name: "mike_linkedin", type: "linkedin", owner: "mike" });
      const campaign = await campaigns.create(t.db, {
        name: "Hiring",
        offer_id: offer.id,
        channel: "linkedin",
        account_id: account.id,
        campaign_slug: "cold-x-linkedin-hiring-saas-mike",
        account_ids: [{ id: account.id, name: account.name, type: "linkedin" }],
        scheduling_config: { steps: [{ step: 1, type: "connection_request", delay_days: 0 }], stop_on_reply: true },
      });
      expect(campaign.account_ids).toEqual([{ id: account.id, name: "mike_linkedin", type: "linkedin" }]);
      expect(campaign.send_days).toEqual([1, 2, 3, 4, 5]);
      await expect(campaigns.create(t.db, { name: "Bad", offer_id: offer.id, channel: "fax" })).rejects.toThrow(/channel/);
      await expect(campaigns.create(t.db, { name: "Bad", offer_id: offer.id, channel: "email", timezone: "Mars/Base" })).rejects.toThrow(
        /timezone/,
      );
      await expect(campaigns.create(t.db, { name: "Bad", offer_id: offer.id, channel: "email", send_days: [0, 8] })).rejects.toThrow(
        /send_days/,
      );
      // A window may run to midnight: TIME keeps 24:00 as the end of the day.
      const night = await campaigns.create(t.db, {
        name: "Night",
        offer_id: offer.id,
        channel: "email",
        send_window_start: "00:00",
        send_window_end: "24:00",
      });
      expect([night.send_window_start, night.send_window_end]).toEqual(["00:00:00", "24:00:00"]);
      await expect(
        campaigns.create(t.db, {
          name: "Bad",
          offer_id: offer.id,
          channel: "email",
          send_window_start: "24:00",
          send_window_end: "24:00:00",
        }),
      ).rejects.toThrow(/send_window_start: 24:00 is the end of a day/);
      // Compared as times: 09:00 and 09:00:00 make an empty window.
      await expect(
        campaigns.create(t.db, {
          name: "Bad",
          offer_id: offer.id,
          channel: "email",
          send_window_start: "09:00",
          send_window_end: "09:00:00",
        }),
      ).rejects.toThrow(/send_window_end: must be after send_window_start \(09:00\)/);

      const company = (await companies.upsert(t.db, { offer_id: offer.id, name: "A", domain: "a.com", source_tool: "manual" })).company;
      const contact = (await contacts.upsert(t.db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", email: "a@a.com" }))
        .contact;
      const first = await campaignContacts.add(t.db, { campaign_id: campaign.id, contact_id: contact.id });
      const again = await campaignContacts.add(t.db, { campaign_id: campaign.id, contact_id: contact.id });
      expect([first.created, again.created]).toEqual([true, false]);
      expect(again.campaignContact.id).toBe(first.campaignContact.id);
    });

    it("records tool usage and keeps the tool's totals", async () => {
      await toolUsage.record(t.db, {
        tool: "leadmagic",
        action: "find_email",
        status: "success",
        credits: 1.75,
        durationMs: 120.4,
        resultsCount: 1,
      });
      await toolUsage.record(t.db, { tool: "leadmagic", action: "validate", status: "success", credits: 0.25 });
      await toolUsage.record(t.db, { tool: "leadmagic", action: "find_email", status: "error", error: "timeout" });
      const tool = await tools.getByName(t.db, "leadmagic");
      expect(tool?.total_requests).toBe(3);
      expect(tool?.total_credits_used).toBe(2);
      expect(tool?.last_error).toBe("timeout");
      await expect(toolUsage.record(t.db, { tool: "nope", action: "x", status: "success" })).rejects.toThrow(/unknown tool "nope"/);
    });

    it("records a call whose request names an optional parameter it did not use", async () => {
      const row = await toolUsage.record(t.db, {
        tool: "unipile",
        action: "list_messages",
        status: "success",
        request: { account_id: "acc_1", chat_id: undefined, since: new Date("2026-03-02T09:00:00Z") },
        response: { cursor: undefined, items: 3 },
      });
      expect(row.request_params).toEqual({ account_id: "acc_1", since: "2026-03-02T09:00:00.000Z" });
      expect(row.response_summary).toEqual({ items: 3 });
    });
  });
  describe("resolve: the rows people name", () => {
    const miss = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      );
      expect(NotFoundError.isInstance(e), String(e)).toBe(true);
      return (e as NotFoundError).message;
    };

    it("finds an offer and a campaign by id, slug or name, and never casts a slug to a uuid", async () => {
      const offer = await offers.create(t.db, { ...offerInput, name: "Resolve Me", slug: "resolve-me" });
      expect((await resolve.offer(t.db, offer.id)).id).toBe(offer.id);
      expect((await resolve.offer(t.db, offer.id.toUpperCase())).id).toBe(offer.id);
      expect((await resolve.offer(t.db, " resolve-me ")).id).toBe(offer.id);
      expect((await resolve.offer(t.db, "resolve me")).id).toBe(offer.id);
      expect(await miss(resolve.offer(t.db, "resolve-you"))).toBe('offer "resolve-you" not found: see offerlab offers list');
      expect(await miss(resolve.offer(t.db, "00000000-0000-4000-8000-000000000000"))).toBe(
        'offer "00000000-0000-4000-8000-000000000000" not found: see offerlab offers list',
      );
      expect(await miss(resolve.offer(t.db, "  "))).toBe('offer "  " not found: see offerlab offers list');
      // Two offers may share a name (slugs are unique): the name is then ambiguous, the slug is not.
      const twin = await offers.create(t.db, { ...offerInput, name: "Resolve Me", slug: "resolve-me-2" });
      expect(await miss(resolve.offer(t.db, "Resolve Me"))).toMatch(
        /^offer "Resolve Me" is ambiguous: it names 2 offers \(.+\); pass the id/,
      );
      expect((await resolve.offer(t.db, "resolve-me-2")).id).toBe(twin.id);

      const campaign = await campaigns.create(t.db, {
        name: "Spring Push",
        offer_id: offer.id,
        channel: "email",
        campaign_slug: "cold-resolve-me-email-x-y-z",
      });
      expect((await resolve.campaign(t.db, campaign.id)).id).toBe(campaign.id);
      expect((await resolve.campaign(t.db, "cold-resolve-me-email-x-y-z")).id).toBe(campaign.id);
      expect((await resolve.campaign(t.db, "spring push")).id).toBe(campaign.id);
      expect(await miss(resolve.campaign(t.db, "cold-nothing"))).toBe('campaign "cold-nothing" not found: see offerlab campaigns list');
    });

    it("finds an account by id, name, email or Unipile id, and a template by id, prefix or name", async () => {
      const li = await accounts.create(t.db, { name: "resolve_li", type: "linkedin", owner: "ro", unipile_account_id: "uni-resolve" });
      const box = await accounts.create(t.db, { name: "resolve box", type: "email", owner: "ro", email_address: "ro@resolve.io" });
      expect((await resolve.account(t.db, li.id)).id).toBe(li.id);
      expect((await resolve.account(t.db, "resolve_li")).id).toBe(li.id);
      expect((await resolve.account(t.db, "uni-resolve")).id).toBe(li.id);
      expect((await resolve.account(t.db, "RO@resolve.io")).id).toBe(box.id);
      expect(await miss(resolve.account(t.db, "nobody"))).toBe('account "nobody" not found: see offerlab accounts list');

      const offer = await offers.create(t.db, { ...offerInput, slug: "resolve-templates" });
      const [first, second] = await t.db
        .insertInto("message_templates")
        .values([
          { offer_id: offer.id, name: "Resolve Opener", channel: "email", sequence_step: 1, subject: "s", body: "b" },
          { offer_id: offer.id, name: "Resolve Follow-up", channel: "email", sequence_step: 2, body: "b" },
        ])
        .returning(["id", "name"])
        .execute();
      expect((await resolve.template(t.db, first!.id)).id).toBe(first!.id);
      expect((await resolve.template(t.db, first!.id.slice(0, 8).toUpperCase())).id).toBe(first!.id);
      expect((await resolve.template(t.db, "resolve follow-up")).id).toBe(second!.id);
      expect(await miss(resolve.template(t.db, "Resolve Closer"))).toBe('template "Resolve Closer" not found: see offerlab templates list');
    });
  });
});
