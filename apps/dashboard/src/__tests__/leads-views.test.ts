/**
 * The leads table's column chooser (the columns live in the URL), saved views (a name for the
 * URL's query, stored through operations' saveView / deleteView) and bulk actions (confirmation,
 * and the refusal of more contacts than an action takes at once), through `app.request()` on each engine.
 */
import { randomUUID } from "node:crypto";
import { campaignContacts, dashboard, outcomes, savedViews, suppressions } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_HEADER } from "../security.js";
import { autumnCampaignAndTwoLeads, seedWorld, type World } from "./world.js";

function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return body;
}

describe.each(testEngines())("leads columns and saved views on %s", (engine) => {
  let w: World;
  beforeAll(async () => {
    w = await seedWorld(engine, 10);
  });
  afterAll(async () => {
    await w?.t.drop();
  });
  const post = (path: string, fields: Record<string, string | string[]>, htmx = true) =>
    w.app().request(path, {
      method: "POST",
      body: form(fields),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        ...(htmx ? { [CSRF_HEADER]: w.csrf, "HX-Request": "true" } : {}),
      },
    });
  const headings = (html: string) => [...html.matchAll(/<th data-col="([^"]+)"/g)].map((m) => m[1]);
  const cells = (html: string) => [...new Set([...html.matchAll(/<td data-col="([^"]+)"/g)].map((m) => m[1]))];

  it("shows every column by default and only the chosen ones from the URL, kept in sort and paging links", async () => {
    const all = await (await w.app().request("/leads")).text();
    expect(headings(all)).toEqual(["title", "company", "email", "email_status", "degree", "fit", "status", "global", "campaign", "added"]);
    // The chooser's boxes (repeated `cols`) and a shared link (comma-separated) give the same view.
    const boxes = await (await w.app().request("/leads?cols=email&cols=status&q=acme")).text();
    const link = await (await w.app().request("/leads?cols=status,email&q=acme")).text();
    for (const html of [boxes, link]) {
      expect(headings(html)).toEqual(["email", "status"]);
      expect(cells(html)).toEqual(["email", "status"]);
      expect(html).toContain("jane.doe@acme.com");
      expect(html).not.toContain('data-col="title"');
      // The chooser shows what is on; the sort links and the saved-view form keep the columns.
      expect(html).toMatch(/<input type="checkbox" name="cols" value="email" checked/);
      expect(html).toMatch(/<input type="checkbox" name="cols" value="title"\s*\/?>/);
      expect(html).toContain('href="/leads?q=acme&amp;cols=email%2Cstatus&amp;sort=status"');
      expect(html).toContain('name="query" value="q=acme&amp;cols=email%2Cstatus"');
    }
    const bad = await (await w.app().request("/leads?cols=email,shoe_size")).text();
    expect(bad).toContain("cols: &quot;shoe_size&quot; is not one of title, company");
    expect(headings(bad)).toEqual(["email"]);
  });

  it("saves a view, lists and applies it, refuses a bad or duplicate name, and deletes it", async () => {
    const saved = await post("/leads/views", { name: "  Acme   emails ", query: "q=acme&cols=email%2Cstatus&after=xyz" });
    expect(saved.status).toBe(200);
    expect(saved.headers.get("HX-Trigger")).toBe("offerlab-changed");
    expect(await saved.text()).toContain('Saved the view <a href="/leads?q=acme&amp;cols=email%2Cstatus">Acme emails</a>.');
    const [view] = await savedViews.list(w.db);
    // The paging cursor is not part of a view; the name is trimmed.
    expect(view).toMatchObject({ name: "Acme emails", query: "q=acme&cols=email%2Cstatus", page: "leads" });

    const page = await (await w.app().request("/leads")).text();
    expect(page).toContain('<li data-view="Acme emails"><a href="/leads?q=acme&amp;cols=email%2Cstatus">Acme emails</a>');
    const applied = await (await w.app().request(`/leads?${view!.query}`)).text();
    expect(headings(applied)).toEqual(["email", "status"]);
    expect((await (await w.app().request("/leads/views")).text()).match(/data-view=/g)).toHaveLength(1);

    const duplicate = await post("/leads/views", { name: "acme EMAILS", query: "q=other" });
    expect(await duplicate.text()).toContain("name: a view named &quot;acme EMAILS&quot; already exists");
    expect(duplicate.headers.get("HX-Trigger")).toBeNull();
    const empty = await post("/leads/views", { name: "   ", query: "q=x" });
    expect(await empty.text()).toContain("name: is required");
    const long = await post("/leads/views", { name: "x".repeat(61), query: "" });
    expect(await long.text()).toContain("name: is 61 characters long; use at most 60");
    expect(await savedViews.list(w.db)).toHaveLength(1);
    // Without the CSRF token nothing is saved.
    expect((await post("/leads/views", { name: "Sneaky", query: "" }, false)).status).toBe(403);
    expect(await savedViews.list(w.db)).toHaveLength(1);

    const deleted = await post(`/leads/views/${view!.id}/delete`, {});
    expect(await deleted.text()).toContain("Deleted the view &quot;Acme emails&quot;.");
    expect(await savedViews.list(w.db)).toHaveLength(0);
    expect(await (await post(`/leads/views/${view!.id}/delete`, {})).text()).toContain("not found");
  });

  it("bulk-enrols the selection in a campaign after a confirmation that says how many, through enrolContacts", async () => {
    const { campaign: autumn, fresh } = await autumnCampaignAndTwoLeads(w);
    const fields = { scope: "selected", ids: [...fresh, w.janeId], enrol_campaign: autumn.id };
    const ask = await post("/leads/enrol", fields);
    const question = await ask.text();
    expect(question).toContain("Enrol 3 contacts in Autumn push?");
    expect(question).toContain('<input type="hidden" name="confirm" value="yes"');
    // Asking wrote nothing.
    expect(await campaignContacts.listByCampaign(w.db, autumn.id)).toHaveLength(0);

    const done = await post("/leads/enrol", { ...fields, confirm: "yes" });
    const text = await done.text();
    expect(text).toMatch(/Enrolled 2 contacts of 3 contacts in Autumn push; skipped: 1 /);
    expect(done.headers.get("HX-Trigger")).toBe("offerlab-changed");
    const enrolled = (await campaignContacts.listByCampaign(w.db, autumn.id)).map((cc) => cc.contact_id).sort();
    expect(enrolled).toEqual([...fresh].sort());

    // The whole filter: the count comes from the filter; without a campaign the operation names the field.
    const byFilter = await post("/leads/enrol", { scope: "filter", f_q: "fresh", enrol_campaign: autumn.id });
    expect(await byFilter.text()).toContain("Enrol 2 contacts in Autumn push?");
    const noCampaign = await post("/leads/enrol", { scope: "selected", ids: fresh, enrol_campaign: "", confirm: "yes" });
    expect(await noCampaign.text()).toContain("campaign: is required");
    const none = await post("/leads/enrol", { scope: "selected", enrol_campaign: autumn.id, confirm: "yes" });
    expect(await none.text()).toContain("contactIds: is empty: select at least one contact");
    // Without the CSRF token: refused, nothing enrolled.
    expect((await post("/leads/enrol", { ...fields, confirm: "yes" }, false)).status).toBe(403);
    expect(await campaignContacts.listByCampaign(w.db, autumn.id)).toHaveLength(2);
  });

  it("records one outcome for the whole filter after a confirmation, through recordOutcomes; a bad kind records nothing", async () => {
    const fields = { scope: "filter", f_q: "person1", kind: "not_interested", note: "bulk" };
    const ask = await post("/leads/outcome", fields);
    // person1 (the 10 extra people are person0 … person9)
    expect(await ask.text()).toContain("Record not_interested for 1 contact?");
    expect(await outcomes.list(w.db, {})).toHaveLength(0);
    const done = await post("/leads/outcome", { ...fields, confirm: "yes" });
    const recorded = await done.text();
    expect(recorded, recorded).toContain("Recorded not_interested for 1 contact (");
    const list = await outcomes.list(w.db, {});
    expect(list.map((o) => [o.kind, o.note])).toEqual([["not_interested", "bulk"]]);
    const bad = await post("/leads/outcome", { scope: "filter", f_q: "person2", kind: "maybe", confirm: "yes" });
    expect(await bad.text()).toContain("kind:");
    expect(await outcomes.list(w.db, {})).toHaveLength(1);
  });

  it("refuses a bulk action on a filter matching more than it takes at once, before any confirmation, naming the count, the limit and how to narrow it; the CSV export streams every row", async () => {
    // A small limit stands for the actions' own (10 000, 1 000) without inserting that many rows.
    const limited = (path: string, fields: Record<string, string | string[]>) =>
      w.app({ bulkLimit: 4 }).request(path, {
        method: "POST",
        body: form(fields),
        headers: { "Content-Type": "application/x-www-form-urlencoded", [CSRF_HEADER]: w.csrf, "HX-Request": "true" },
      });
    const matched = await dashboard.leadsCount(w.db, { q: "person" });
    expect(matched).toBeGreaterThan(4);
    const state = async () => ({
      suppressed: (await suppressions.list(w.db)).length,
      outcomes: (await outcomes.list(w.db, {})).length,
      enrolled: (await campaignContacts.listByCampaign(w.db, w.campaignId)).length,
    });
    const before = await state();
    const actions: [string, Record<string, string>, string][] = [
      ["/leads/suppress", { reason: "too many" }, "suppress"],
      ["/leads/enrol", { enrol_campaign: w.campaignId }, "enrol"],
      ["/leads/outcome", { kind: "not_interested" }, "record outcome"],
    ];
    for (const [path, extra, action] of actions) {
      // Asked for (no confirmation yet) and confirmed (a form posted again after the filter grew): refused alike.
      const confirms: Record<string, string>[] = [{}, { confirm: "yes" }];
      for (const confirm of confirms) {
        const text = await (await limited(path, { scope: "filter", f_q: "person", ...extra, ...confirm })).text();
        expect(text, path).toContain("flash error");
        expect(text, path).toContain(
          `the filter matches ${matched} contacts, and ${action} acts on at most 4 at once, so nothing was done: narrow the filter`,
        );
        expect(text, path).not.toContain('id="bulk-confirm"');
      }
    }
    expect(await state()).toEqual(before);
    // Narrowed to the limit, the same action asks for its confirmation.
    expect(await (await limited("/leads/outcome", { scope: "filter", f_q: "person1", kind: "not_interested" })).text()).toContain(
      "Record not_interested for 1 contact?",
    );
    // The export of the whole filter has no limit: every row (streamed in batches), and the header.
    const csv = await limited("/leads/export.csv", { scope: "filter", f_q: "person" });
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines).toHaveLength(matched + 1);
    expect(new Set(lines.slice(1).map((l) => l.split(",")[0])).size).toBe(matched);
  });

  it("refuses a bulk outcome on more than 1 000 contacts, or with a bad kind, instead of asking to confirm it", async () => {
    const before = (await outcomes.list(w.db, {})).length;
    const many = Array.from({ length: 1001 }, () => randomUUID());
    const over = await (await post("/leads/outcome", { scope: "selected", ids: many, kind: "not_interested" })).text();
    expect(over).toContain("flash error");
    expect(over).toContain("the selection names 1001 contacts, and record outcome acts on at most 1000 at once");
    expect(over).not.toContain('id="bulk-confirm"');
    const badKind = await (await post("/leads/outcome", { scope: "selected", ids: [w.janeId], kind: "maybe" })).text();
    expect(badKind).toContain("kind: must be one of");
    expect(badKind).not.toContain('id="bulk-confirm"');
    expect((await outcomes.list(w.db, {})).length).toBe(before);
  });
});
