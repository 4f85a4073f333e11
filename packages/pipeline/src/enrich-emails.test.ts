import { companies, contacts, offers } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import type { EmailFinder, EmailFinderQuery, EmailFinderResult } from "@offerlab/provider-kit";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { discoverCompanies, discoverPeople, enrichEmails } from "./run.js";
import { createWorld, type World } from "./__tests__/world.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

const DAY = 86_400_000;

async function company(w: World, domain: string, offerId = w.offerId) {
  return (await companies.upsert(w.db, { offer_id: offerId, name: domain.split(".")[0], domain, source_tool: "test", status: "qualified" }))
    .company;
}

async function contact(w: World, companyId: string, over: Record<string, unknown>, offerId = w.offerId) {
  return (await contacts.upsert(w.db, { offer_id: offerId, company_id: companyId, source_tool: "test", buyer_fit_score: 8, ...over }))
    .contact;
}

const get = (w: World, id: string) =>
  w.db
    .selectFrom("contacts")
    .select(["email", "email_status", "email_verification_source", "email_checked_at", "status", "skip_reason"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

/** An email finder answering from a table keyed by "first last@domain", counting its calls. */
function fakeFinder(name: string, answers: Record<string, Partial<EmailFinderResult>>) {
  const calls: EmailFinderQuery[] = [];
  const finder: EmailFinder = {
    provider: name,
    async findEmail(q) {
      calls.push(q);
      const a = answers[`${q.firstName} ${q.lastName}@${q.domain}`];
      return { email: null, email_status: "unknown", source_tool: name, ...a };
    },
  };
  return { finder, calls };
}

describe.each(testEngines())("enrich emails on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  it("finds and verifies the discovered buyers, recording status, source and when", async () => {
    w = await createWorld(engine, server);
    const now = new Date("2026-02-01T10:00:00Z");
    await discoverCompanies(w.ctx(), w.offerId);
    await discoverPeople(w.ctx(), w.offerId);
    const res = await enrichEmails(w.ctx(undefined, { now: () => now }), w.offerId);
    expect(res).toMatchObject({ status: "completed", contacts: 4, valid: 2, risky: 1, invalid: 0, notFound: 0, errorCount: 0 });
    expect(res.skipped.not_a_buyer).toBe(1);
    expect(res.lookups).toEqual({ find: 3, verify: 3, cached: 0 });
    // LeadMagic: 1 credit per email found, 0.25 per valid verification, catch-all free.
    expect(res.creditsSpent).toBe(3.5);
    const rows = await w.db
      .selectFrom("contacts")
      .select(["full_name", "email", "email_status", "email_verification_source", "email_checked_at", "status"])
      .orderBy("full_name")
      .execute();
    expect(rows.map((r) => [r.full_name, r.email, r.email_status, r.email_verification_source, r.status])).toEqual([
      ["Jane Doe", "jane.doe@northwind-analytics.com", "valid", "leadmagic", "ready"],
      ["Priya Raman", "priya@northwind-analytics.com", "valid", "leadmagic", "ready"],
      ["Sam Carter", null, null, null, "skip"],
      ["Tom Baker", "tom@pipelinepilot.ai", "risky", "leadmagic", "ready"],
    ]);
    expect(rows.filter((r) => r.email).every((r) => r.email_checked_at?.getTime() === now.getTime())).toBe(true);
    const usage = await w.db
      .selectFrom("tool_usage")
      .select(["action", "contact_id"])
      .where("action", "in", ["find_email", "verify_email"])
      .execute();
    expect(usage).toHaveLength(6);
    expect(usage.every((u) => u.contact_id !== null)).toBe(true);

    // Within 90 days nothing is paid for again; after, the waterfall runs again (from the stored answers).
    const soon = await enrichEmails(w.ctx(undefined, { now: () => new Date(now.getTime() + 10 * DAY) }), w.offerId);
    expect(soon.skipped.recently_enriched).toBe(3);
    expect(soon.lookups).toEqual({ find: 0, verify: 0, cached: 0 });
    const later = await enrichEmails(w.ctx(undefined, { now: () => new Date(now.getTime() + 91 * DAY) }), w.offerId, {
      reuseLookupsWithinDays: 365,
    });
    expect(later.skipped.recently_enriched).toBe(0);
    expect(later.lookups.cached).toBe(later.lookups.find + later.lookups.verify);
    expect(later.creditsSpent).toBe(0);
  });

  it("skips, before paying, people suppressed anywhere, cooling off, who replied, or not buyers", async () => {
    w = await createWorld(engine, server);
    const other = await offers.create(w.db, { name: "Other offer", type: "service", ownership: "internal", description: "x" });
    const co = await company(w, "northwind-analytics.com");
    const otherCo = await company(w, "northwind-analytics.com", other.id);
    const mk = (first: string, over: Record<string, unknown> = {}) =>
      contact(w, co.id, {
        first_name: first,
        last_name: "Doe",
        full_name: `${first} Doe`,
        linkedin_url: `https://www.linkedin.com/in/${first.toLowerCase()}-doe`,
        ...over,
      });
    const dnc = await mk("Dana");
    await contact(
      w,
      otherCo.id,
      { full_name: "Dana Doe", linkedin_url: "https://www.linkedin.com/in/dana-doe", global_status: "do_not_contact" },
      other.id,
    );
    const unsub = await mk("Uma");
    await contact(
      w,
      otherCo.id,
      {
        full_name: "Uma Doe",
        email: "uma@northwind-analytics.com",
        linkedin_url: "https://www.linkedin.com/in/uma-doe",
        status: "unsubscribed",
      },
      other.id,
    );
    const cooling = await mk("Cal", { email: "cal@northwind-analytics.com" });
    await w.db
      .insertInto("outreach_history")
      .values({ contact_email: "cal@northwind-analytics.com", channel: "email", sent_at: new Date(Date.now() - 20 * DAY) })
      .execute();
    // Still marked cooling_off, but our last touch is past the window: available again.
    const oldTouch = await mk("Olga", {
      email: "olga@northwind-analytics.com",
      email_status: "unknown",
      global_status: "cooling_off",
      global_last_contacted_at: new Date(Date.now() - 70 * DAY),
    });
    // Marked cooling_off with no touch date to check: trusted, held.
    const undated = await mk("Cleo", { global_status: "cooling_off" });
    await w.db
      .insertInto("outreach_history")
      .values({ contact_email: "olga@northwind-analytics.com", channel: "email", sent_at: new Date(Date.now() - 70 * DAY) })
      .execute();
    const replied = await mk("Rae", { global_status: "replied" });
    const ineligible = await mk("Ivy", { eligible_for_outreach: false });
    const notBuyer = await mk("Ned", { status: "skip", skip_reason: "low_buyer_fit" });
    const imported = await mk("Ian", {
      email: "ian@northwind-analytics.com",
      email_status: "valid",
      email_verification_source: "zerobounce",
    });
    const noName = await contact(w, co.id, { full_name: "Mononym", linkedin_url: "https://www.linkedin.com/in/mononym" });

    const finder = fakeFinder("fake_finder", {});
    const res = await enrichEmails(w.ctx({ emailFinders: [finder.finder], emailVerifiers: [w.adapters.leadmagic] }), w.offerId);
    expect(res.skipped).toEqual({ suppressed: 3, cooling_off: 2, replied: 1, recently_enriched: 1, not_a_buyer: 1, no_lookup_input: 1 });
    // Only Olga (touched 70 days ago) reached a vendor: her address was verified, then the finder asked.
    expect(res.contacts).toBe(10);
    expect(w.events.map((e) => `${e.tool}:${e.action}`)).toEqual(["leadmagic:verify_email"]);
    expect(finder.calls.map((c) => c.firstName)).toEqual(["Olga"]);
    for (const c of [dnc, unsub, cooling, undated, replied, ineligible, notBuyer, imported, noName]) {
      expect((await get(w, c.id)).email_checked_at).toBeNull();
    }
    expect(res).toMatchObject({ unknown: 1, notFound: 0 });
    expect(await get(w, oldTouch.id)).toMatchObject({
      email: "olga@northwind-analytics.com",
      email_status: "unknown",
      email_verification_source: "leadmagic",
    });
  });

  it("runs finders in order, verifies each find, and stops at the first valid address", async () => {
    w = await createWorld(engine, server);
    const co = await company(w, "northwind-analytics.com");
    // An old address that no longer works: verified first, then the finders.
    const jane = await contact(w, co.id, {
      first_name: "Jane",
      last_name: "Doe",
      full_name: "Jane Doe",
      email: "old.address@northwind-analytics.com",
    });
    const nobody = fakeFinder("first_finder", {});
    const wrong = fakeFinder("second_finder", {
      "Jane Doe@northwind-analytics.com": { email: "nobody@northwind-analytics.com", email_status: "valid" },
    });
    const last = fakeFinder("fourth_finder", {});
    const ctx = w.ctx({
      emailFinders: [nobody.finder, wrong.finder, w.adapters.leadmagic, last.finder],
      emailVerifiers: [w.adapters.leadmagic],
    });
    const res = await enrichEmails(ctx, w.offerId);
    expect(res).toMatchObject({ valid: 1, lookups: { find: 3, verify: 3, cached: 0 } });
    // old address → invalid; first finder: nothing; second: an address LeadMagic finds unknown
    // (not valid: keep going); LeadMagic's finder: valid, verified valid → stop.
    expect(w.events.map((e) => e.action)).toEqual(["verify_email", "verify_email", "find_email", "verify_email"]);
    expect(nobody.calls).toHaveLength(1);
    expect(wrong.calls).toHaveLength(1);
    expect(last.calls).toHaveLength(0);
    expect(await get(w, jane.id)).toMatchObject({
      email: "jane.doe@northwind-analytics.com",
      email_status: "valid",
      email_verification_source: "leadmagic",
      status: "ready",
    });
  });

  it("stops at a catch-all (risky) unless told to continue, and marks people nobody found as failed", async () => {
    w = await createWorld(engine, server);
    const co = await company(w, "pipelinepilot.ai");
    const tom = await contact(w, co.id, { first_name: "Tom", last_name: "Baker", full_name: "Tom Baker" });
    const ghost = await contact(w, co.id, {
      first_name: "Gus",
      last_name: "Ghost",
      full_name: "Gus Ghost",
      linkedin_url: "https://www.linkedin.com/in/gus-ghost",
    });
    const backup = fakeFinder("backup_finder", {
      "Tom Baker@pipelinepilot.ai": { email: "t.baker@pipelinepilot.ai", email_status: "valid" },
    });
    const providers = { emailFinders: [w.adapters.leadmagic, backup.finder], emailVerifiers: [w.adapters.leadmagic] };
    const res = await enrichEmails(w.ctx(providers), w.offerId, { contactIds: [tom.id, ghost.id] });
    expect(res).toMatchObject({ risky: 1, notFound: 1 });
    expect(backup.calls.map((c) => c.firstName)).toEqual(["Gus"]);
    expect(await get(w, tom.id)).toMatchObject({ email: "tom@pipelinepilot.ai", email_status: "risky" });
    expect(await get(w, ghost.id)).toMatchObject({ email: null, email_status: "failed", status: "new" });

    // continueOnRisky: the backup finder is asked; its address verifies as unknown, which does
    // not beat risky, so the catch-all address is kept.
    await w.db.updateTable("contacts").set({ email_checked_at: null }).execute();
    const more = await enrichEmails(w.ctx(providers), w.offerId, { contactIds: [tom.id], continueOnRisky: true });
    expect(more.risky).toBe(1);
    expect(backup.calls.map((c) => c.firstName)).toEqual(["Gus", "Tom"]);
    expect(await get(w, tom.id)).toMatchObject({ email: "tom@pipelinepilot.ai", email_status: "risky" });
  });

  it("copies a verified address from the same person in another offer for free, and parks a second contact with the same address", async () => {
    w = await createWorld(engine, server);
    const other = await offers.create(w.db, { name: "Other", type: "service", ownership: "internal", description: "x" });
    const otherCo = await company(w, "northwind-analytics.com", other.id);
    await contact(
      w,
      otherCo.id,
      {
        full_name: "Jane Doe",
        linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
        email: "jane.doe@northwind-analytics.com",
        email_status: "valid",
        email_verification_source: "leadmagic",
        email_checked_at: new Date(),
      },
      other.id,
    );
    const co = await company(w, "northwind-analytics.com");
    const jane = await contact(w, co.id, {
      first_name: "Jane",
      last_name: "Doe",
      full_name: "Jane Doe",
      linkedin_url: "https://www.linkedin.com/in/jane-doe-42",
      buyer_fit_score: 9,
    });
    const twin = await contact(w, co.id, {
      first_name: "Jane",
      last_name: "Doe",
      full_name: "J. Doe",
      linkedin_url: "https://www.linkedin.com/in/j-doe-duplicate",
      buyer_fit_score: 5,
    });
    const res = await enrichEmails(w.ctx(), w.offerId);
    expect(res).toMatchObject({ reused: 1, valid: 0, duplicates: 1, errorCount: 1 });
    expect(res.errors[0]!.message).toMatch(/jane\.doe@northwind-analytics\.com already belongs to another contact of this offer/);
    expect(await get(w, jane.id)).toMatchObject({ email: "jane.doe@northwind-analytics.com", email_status: "valid", status: "ready" });
    expect(await get(w, twin.id)).toMatchObject({ email: null, status: "skip", skip_reason: "duplicate_email" });
    // Jane cost nothing; only the twin's lookups reached LeadMagic.
    expect(w.events.every((e) => e.context?.contactId === twin.id)).toBe(true);
  });
});
