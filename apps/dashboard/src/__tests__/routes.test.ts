/**
 * The dashboard's routes through `app.request()` on a real database (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set): every page renders, escapes what people typed, carries the CSP and
 * no inline script; writes need the CSRF token and go through the operations; the token login.
 */
import { accountAdmin, campaigns, dashboard, dataClockAt, jsonb, suppressions } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { usagePeriods } from "@offerlab/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, CSRF_HEADER, SESSION_COOKIE } from "../security.js";
import { dashboardConfigProblem, startDashboardServer } from "../server.js";
import { HOSTILE, seedWorld, touchJane, type World } from "./world.js";

const PAGES = ["/", "/offers", "/campaigns", "/leads", "/replies", "/schedule", "/accounts", "/activity", "/tools"];

function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return body;
}

describe.each(testEngines())("dashboard routes on %s", (engine) => {
  let w: World;
  beforeAll(async () => {
    w = await seedWorld(engine, 60);
  });
  afterAll(async () => {
    await w?.t.drop();
  });

  const post = (path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
    w.app().request(path, {
      method: "POST",
      body: form(fields),
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    });

  it("renders every page with the CSP, the security headers, no inline script and the CSRF header for htmx", async () => {
    const app = w.app();
    for (const path of [...PAGES, `/offers/${w.offerId}`, `/campaigns/${w.campaignId}`, `/people/${w.janeId}`]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("Content-Security-Policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("X-Frame-Options")).toBe("DENY");
      const html = await res.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      // Every script comes from this origin: no inline script, no inline handler, no CDN.
      for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag, path).toMatch(/src="\/assets\//);
      expect(html).not.toMatch(/\son[a-z]+="/);
      expect(html).not.toMatch(/<(script|link)[^>]*(src|href)="(https?:)?\/\//);
      expect(html).toContain(`hx-headers="{&quot;${CSRF_HEADER}&quot;:&quot;${w.csrf}&quot;}"`);
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
  });

  it("serves htmx from the installed package and its own script and styles", async () => {
    const app = w.app();
    const htmx = await app.request("/assets/htmx.min.js");
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get("Content-Type")).toContain("javascript");
    expect(await htmx.text()).toContain("htmx");
    expect((await app.request("/assets/app.js")).status).toBe(200);
    expect((await app.request("/assets/app.css")).status).toBe(200);
  });

  it("escapes what people typed on every page that shows it", async () => {
    const app = w.app();
    for (const path of ["/leads", `/people/${w.hostileId}`, `/campaigns/${w.campaignId}`]) {
      const html = await (await app.request(path + (path === "/leads" ? "?q=Mallory" : ""))).text();
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
      expect(html, path).not.toContain("<b>bold</b>");
    }
    const leads = await (await app.request("/leads?q=Mallory")).text();
    expect(leads).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // A search term is echoed escaped too.
    const q = await (await app.request(`/leads?q=${encodeURIComponent(HOSTILE)}`)).text();
    expect(q).not.toContain("<script>alert");
  });

  it("shows the overview: the offer's tile with denominators, the daily chart, no alert on a healthy world", async () => {
    const html = await (await w.app().request("/")).text();
    expect(html).toContain("AI Sales Coach");
    // Jane was contacted and replied positively: 1/1 contacted replied, 1/1 replies positive.
    expect(html).toMatch(/reply rate<\/dt><dd><span>100\.0% <span class="muted small">\(1\/1\)/);
    expect(html).toContain('data-chart="daily"');
    expect(html).toContain("2026-03-09: 1 sent");
    expect(html).toContain("2026-03-10: 1 replies");
    expect(html).toContain('id="no-alerts"');
  });

  it("raises an alert for a paused account and for low credits", async () => {
    await w.db.updateTable("accounts").set({ status: "paused" }).where("id", "=", w.linkedinAccountId).execute();
    const html = await (await w.app({ lowCredits: 10_000_000 }).request("/")).text();
    expect(html).toMatch(/data-alert="account">Account <a href="\/accounts">jane_linkedin<\/a> is paused/);
    await w.db.updateTable("accounts").set({ status: "active" }).where("id", "=", w.linkedinAccountId).execute();
    expect(await (await w.app().request("/")).text()).toContain('id="no-alerts"');
  });

  it("filters, searches, sorts and pages the leads table with keyset cursors", async () => {
    const app = w.app();
    const all = await (await app.request("/leads")).text();
    expect(all).toContain('id="leads-total">62 contacts');
    const first = [...all.matchAll(/data-contact="([^"]+)"/g)].map((m) => m[1]);
    expect(first).toHaveLength(50);
    const next = /href="([^"]*after=[^"]+)" data-page="next"/.exec(all)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeTruthy();
    const second = await (await app.request(next!)).text();
    const rest = [...second.matchAll(/data-contact="([^"]+)"/g)].map((m) => m[1]);
    expect(rest).toHaveLength(12);
    expect(new Set([...first, ...rest]).size).toBe(62);
    expect(second).toContain("end of the list");

    const byName = await (await app.request("/leads?sort=name&dir=asc")).text();
    const names = [...byName.matchAll(/<a href="\/people\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);
    expect(names.slice(0, 3)).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).slice(0, 3));

    const jane = await (await app.request("/leads?q=jane.doe")).text();
    expect(jane).toContain('id="leads-total">1 contacts');
    const degree = await (await app.request("/leads?degree=2")).text();
    expect(degree).toContain('id="leads-total">1 contacts');
    const campaign = await (await app.request(`/leads?campaign=${w.campaignId}`)).text();
    expect(campaign).toContain('id="leads-total">61 contacts');
    const bad = await (await app.request("/leads?status=bogus&fit=99")).text();
    expect(bad).toContain("status: &quot;bogus&quot; is not one of");
    expect(bad).toContain("fit: &quot;99&quot; must be a whole number from 1 to 10");
    expect(bad).toContain('id="leads-total">62 contacts');
    expect((await dashboard.leads(w.db, { signal: "hiring" })).rows).toHaveLength(0);
  });

  it("refuses writes without the CSRF token or from another origin, and changes nothing", async () => {
    const res = await post(`/campaigns/${w.campaignId}/pause`, {});
    expect(res.status).toBe(403);
    const forged = await post(`/campaigns/${w.campaignId}/pause`, {}, { [CSRF_HEADER]: "forged" });
    expect(forged.status).toBe(403);
    const cross = await post(`/campaigns/${w.campaignId}/pause`, {}, { [CSRF_HEADER]: w.csrf, Origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("active");
  });

  it("pauses and resumes a campaign through the operations (htmx header or form field)", async () => {
    const paused = await post(`/campaigns/${w.campaignId}/pause`, {}, { [CSRF_HEADER]: w.csrf, "HX-Request": "true" });
    expect(paused.status).toBe(200);
    const html = await paused.text();
    expect(html).toContain('<span class="badge paused">paused</span>');
    expect(html).toContain('data-action="resume"');
    expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("paused");
    // Without htmx: the form's _csrf field, then back to the campaign's page.
    const resumed = await post(`/campaigns/${w.campaignId}/resume`, { _csrf: w.csrf });
    expect(resumed.status).toBe(303);
    expect(resumed.headers.get("Location")).toBe(`/campaigns/${w.campaignId}`);
    expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("active");
  });

  it("shows an operation's refusal and leaves the data as it was", async () => {
    const res = await post(
      `/leads/suppress`,
      { scope: "selected", ids: [w.janeId], reason: "" },
      { [CSRF_HEADER]: w.csrf, "HX-Request": "true" },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("reason: is required (say why)");
    expect(await suppressions.list(w.db)).toHaveLength(0);
  });

  it("exports the selection and a whole filter as CSV", async () => {
    const sel = await post(`/leads/export.csv`, { _csrf: w.csrf, scope: "selected", ids: [w.janeId, w.hostileId] });
    expect(sel.status).toBe(200);
    expect(sel.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await sel.text()).trim().split("\n");
    expect(lines[0]).toBe(
      "id,full_name,title,email,email_status,linkedin_url,connection_degree,status,global_status,offer_name,company_name,domain,fit_score",
    );
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.includes("jane.doe@acme.com"))).toBe(true);
    const filter = await w.app().request(`/leads/export.csv?q=person1`);
    // person1, person10 … person19
    expect((await filter.text()).trim().split("\n")).toHaveLength(12);
  });

  it("bulk-suppresses the selection and then a whole filter, cancelling nothing twice", async () => {
    const res = await post(
      `/leads/suppress`,
      { scope: "selected", ids: [w.hostileId], reason: "asked us" },
      { [CSRF_HEADER]: w.csrf, "HX-Request": "true" },
    );
    expect(await res.text()).toContain("Suppressed 1 contact: 1 new entry on the list");
    expect(res.headers.get("HX-Trigger")).toBe("offerlab-changed");
    const byFilter = await post(
      `/leads/suppress`,
      { scope: "filter", f_q: "person5@", reason: "bulk test" },
      { [CSRF_HEADER]: w.csrf, "HX-Request": "true" },
    );
    expect(await byFilter.text()).toContain("Suppressed 1 contact");
    const list = (await suppressions.list(w.db)).map((s) => s.value).sort();
    expect(list).toEqual(["mallory@acme.com", "person5@acme.com"]);
  });

  it("shows a person's story and records an outcome from the page", async () => {
    const page = await (await w.app().request(`/people/${w.janeId}`)).text();
    expect(page).toContain("jane.doe@acme.com");
    expect(page).toContain("Spring push");
    expect(page).toContain('id="no-outcomes"');
    const res = await post(
      `/people/${w.janeId}/outcome`,
      { kind: "meeting_booked", note: "call Tue" },
      { [CSRF_HEADER]: w.csrf, "HX-Request": "true" },
    );
    expect(await res.text()).toContain("Recorded meeting_booked.");
    const after = await (await w.app().request(`/people/${w.janeId}`)).text();
    expect(after).toMatch(/<strong>meeting_booked<\/strong> · manual · call Tue/);
    const bad = await post(`/people/${w.janeId}/outcome`, { kind: "party" }, { [CSRF_HEADER]: w.csrf, "HX-Request": "true" });
    expect(await bad.text()).toContain("flash error");
  });

  it("lists replies with their sentiment and filters them", async () => {
    const html = await (await w.app().request("/replies?sentiment=positive")).text();
    expect(html).toContain("Interested, let&#39;s talk");
    const none = await (await w.app().request("/replies?sentiment=negative")).text();
    expect(none).toContain("No replies labelled negative.");
  });

  it("shows an offer with its templates and campaigns; approving with no draft says so", async () => {
    const html = await (await w.app().request(`/offers/${w.offerId}`)).text();
    expect(html).toContain("Ramp time at {{company.name}}");
    expect(html).toContain("Spring push");
    expect(html).not.toContain("Approve the");
    const res = await post(`/offers/${w.offerId}/approve`, {}, { [CSRF_HEADER]: w.csrf, "HX-Request": "true" });
    expect(await res.text()).toMatch(/flash error.*has no draft template to approve/);
  });

  it("shows today's schedule", async () => {
    expect(await (await w.app().request("/schedule")).text()).toContain("0 of 0 sends queued for today go out today");
  });

  it("says how many sends of today wait for tomorrow's capacity when an account's daily limit is used, without replaying them", async () => {
    const v = await seedWorld(engine);
    try {
      const db = v.db;
      await db.updateTable("offers").set({ status: "active" }).where("id", "=", v.offerId).execute();
      await db.updateTable("campaigns").set({ status: "active" }).where("id", "=", v.campaignId).execute();
      await db
        .updateTable("accounts")
        .set({ status: "active", health_score: 100, unipile_account_id: "u-mail", daily_limit_emails: 2 })
        .where("id", "=", v.emailAccountId)
        .execute();
      // Both of today's sends used already (the counter the send path reserves). The page runs on
      // the wall clock here: today's rows are those of the database's calendar day.
      const at = new Date();
      await db
        .insertInto("account_usage")
        .values({ account_id: v.emailAccountId, period: "day", period_start: usagePeriods(at).day, action: "email", used: 2 })
        .execute();
      const cc = await db.selectFrom("campaign_contacts").select("id").where("contact_id", "=", v.janeId).executeTakeFirstOrThrow();
      for (const step of [1, 2, 3])
        await db
          .insertInto("send_queue")
          .values({
            campaign_id: v.campaignId,
            campaign_contact_id: cc.id,
            contact_id: v.janeId,
            account_id: v.emailAccountId,
            channel: "email",
            action_type: "email",
            sequence_step: step,
            subject: "Hi",
            body: "Hello",
            scheduled_for: new Date(),
          })
          .execute();
      const html = await (await v.app({ now: () => at }).request("/schedule")).text();
      expect(html).toContain("0 of 3 sends queued for today go out today");
      expect(html).toContain("3 more wait for tomorrow&#39;s capacity");
      // Each row says why, as a replayed row would.
      expect(html.match(/reached its daily limit/g)).toHaveLength(3);
    } finally {
      await v.t.drop();
    }
  });

  it("pauses and resumes an account", async () => {
    const res = await post(`/accounts/${w.emailAccountId}/pause`, {}, { [CSRF_HEADER]: w.csrf, "HX-Request": "true" });
    expect(await res.text()).toContain("active → paused");
    await post(`/accounts/${w.emailAccountId}/resume`, {}, { [CSRF_HEADER]: w.csrf, "HX-Request": "true" });
    const accounts = await (await w.app().request("/accounts")).text();
    expect(accounts).not.toContain('<span class="badge paused">');
  });

  it("edits an account's limits through the operation, each refusal shown next to its field, data unchanged", async () => {
    const before = await accountAdmin.find(w.db, w.emailAccountId);
    const page = await (await w.app().request("/accounts")).text();
    expect(page).toContain(`data-limits="${w.emailAccountId}"`);
    expect(page).toMatch(new RegExp(`name="daily_limit_emails" value="${before.daily_limit_emails}"`));
    const htmx = { [CSRF_HEADER]: w.csrf, "HX-Request": "true" };
    const bad = await post(
      `/accounts/${w.emailAccountId}/limits`,
      { daily_limit_emails: "lots", hourly_limit: "-3", daily_limit_messages: "" },
      htmx,
    );
    expect(bad.status).toBe(200);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/data-error="daily_limit_emails">must be a whole number from 0 to 10000 \(got &quot;lots&quot;\)/);
    expect(badHtml).toMatch(/data-error="hourly_limit">must be a whole number from 0 to 10000 \(got -3\)/);
    expect(badHtml).not.toContain('data-error="daily_limit_messages"');
    // What was typed stays in the fields to fix.
    expect(badHtml).toContain('name="daily_limit_emails" value="lots"');
    expect(bad.headers.get("HX-Trigger")).toBeNull();
    const unchanged = await accountAdmin.find(w.db, w.emailAccountId);
    expect([unchanged.daily_limit_emails, unchanged.hourly_limit]).toEqual([before.daily_limit_emails, before.hourly_limit]);
    // Nothing given: the operation's own word.
    expect(await (await post(`/accounts/${w.emailAccountId}/limits`, {}, htmx)).text()).toContain("Nothing to change.");
    // Without htmx: a 422 page with the form.
    expect((await post(`/accounts/${w.emailAccountId}/limits`, { _csrf: w.csrf, hourly_limit: "x" })).status).toBe(422);

    const ok = await post(`/accounts/${w.emailAccountId}/limits`, { daily_limit_emails: "37", hourly_limit: "6" }, htmx);
    expect(await ok.text()).toContain("Saved.");
    expect(ok.headers.get("HX-Trigger")).toBe("offerlab-changed");
    const after = await accountAdmin.find(w.db, w.emailAccountId);
    expect([after.daily_limit_emails, after.hourly_limit]).toEqual([37, 6]);
    expect(await (await w.app().request("/accounts")).text()).toContain('name="daily_limit_emails" value="37"');
    await accountAdmin.setLimits(w.db, w.emailAccountId, {
      daily_limit_emails: before.daily_limit_emails,
      hourly_limit: before.hourly_limit,
    });
    // An unknown account is refused as such.
    const missing = await post(`/accounts/00000000-0000-0000-0000-000000000000/limits`, { hourly_limit: "5" }, htmx);
    expect(await missing.text()).toContain("field-error");
  });

  it("shows the campaign's forecast and its bottleneck from the forecast operation", async () => {
    const html = await (await w.app().request(`/campaigns/${w.campaignId}`)).text();
    expect(html).toContain('id="forecast"');
    expect(html).toContain('id="bottleneck"');
    const { forecastCampaign } = await import("@offerlab/operations");
    const r = await forecastCampaign({ db: w.db, now: () => new Date("2026-03-10T12:00:00Z") }, { campaign: w.campaignId });
    const f = r.forecast;
    expect(f.contacts).toBeGreaterThan(0);
    const headline = f.finishes ? `Finishes ${f.finishDate}: ${f.calendarDays} calendar day` : "Never finishes with the current accounts";
    expect(html).toContain(headline);
    const bottleneck = (f.bottleneck?.reason ?? "none: every due send fits the day it is due.")
      .replaceAll("'", "&#39;")
      .replaceAll('"', "&quot;");
    expect(html).toContain(`Bottleneck: ${bottleneck}`);
    for (const a of f.actions) expect(html).toContain(`<td>${a.action}</td><td class="num">${Math.round(a.sends)}</td>`);
  });

  it("judges a person's eligibility and the campaign's forecast on the data's clock when told to, and says which clock", async () => {
    // Jane was touched on 2026-03-09 (the send the world records, in the outreach history too).
    const touch = await touchJane(w, { subject: "Ramp time at Acme", sentAt: new Date("2026-03-09T10:00:00Z") });
    try {
      const later = new Date("2026-09-01T12:00:00Z");
      const line = (html: string) => /<p id="eligibility">([\s\S]*?)<\/p>/.exec(html)![1]!;
      // On a wall clock months after the data, the cooling-off window looks long over …
      const wall = line(await (await w.app({ now: () => later }).request(`/people/${w.janeId}`)).text());
      expect(wall).toContain("A new campaign may start with this person now.");
      expect(wall).toContain("(judged at 2026-09-01 12:00 UTC)");
      // … on the data's clock (the world's latest send, reply or assignment: a day after her touch)
      // she was touched a day ago, as the data says.
      const clock = (await dataClockAt(w.db))!;
      expect(clock.toISOString().slice(0, 10)).toBe("2026-03-10");
      const data = line(await (await w.app({ now: () => later, dataClock: true }).request(`/people/${w.janeId}`)).text());
      expect(data).toContain("A new campaign may not start with this person");
      expect(data).toContain(`(judged at ${clock.toISOString().slice(0, 16).replace("T", " ")} UTC, the data&#39;s clock)`);
      // The campaign's forecast counts from the same clock.
      const forecastFrom = async (dataClock: boolean) =>
        / from (\d{4}-\d{2}-\d{2})\.</.exec(
          await (await w.app({ now: () => later, dataClock }).request(`/campaigns/${w.campaignId}`)).text(),
        )?.[1];
      expect(await forecastFrom(false)).toBe("2026-09-01");
      expect(await forecastFrom(true)).toBe("2026-03-10");
    } finally {
      await w.db.deleteFrom("outreach_history").where("id", "=", touch.id).execute();
    }
    // The leads table says what its date is.
    expect(await (await w.app().request("/leads")).text()).toContain("added to database");
  });

  it("lists pipeline runs with their progress on the tools page", async () => {
    expect(await (await w.app().request("/tools")).text()).toContain('id="no-runs"');
    const run = await w.db
      .insertInto("pipeline_runs")
      .values({
        offer_id: w.offerId,
        steps: jsonb(["discover_companies", "discover_people", "enrich_emails"]),
        status: "running",
        started_at: new Date("2026-03-10T11:00:00Z"),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await w.db
      .insertInto("pipeline_steps")
      .values([
        { pipeline_run_id: run.id, step_name: "discover_companies", status: "completed" },
        { pipeline_run_id: run.id, step_name: "discover_people", status: "running" },
        { pipeline_run_id: run.id, step_name: "enrich_emails", status: "pending" },
      ])
      .execute();
    try {
      const html = await (await w.app().request("/tools")).text();
      const row = new RegExp(`<tr data-run="${run.id}">([\\s\\S]*?)</tr>`).exec(html)![1]!;
      expect(row).toContain("AI Sales Coach");
      expect(row).toContain('<span class="badge running">running</span>');
      expect(row).toContain('<progress max="3" value="1"></progress>');
      expect(row).toContain("1/3 steps");
      expect(row).toContain("<td>discover_people</td>");
    } finally {
      await w.db.deleteFrom("pipeline_steps").where("pipeline_run_id", "=", run.id).execute();
      await w.db.deleteFrom("pipeline_runs").where("id", "=", run.id).execute();
    }
  });

  it("answers an unknown campaign or person with 404", async () => {
    expect((await w.app().request("/campaigns/not-a-campaign")).status).toBe(404);
    expect((await w.app().request("/people/00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await w.app().request("/nowhere")).status).toBe(404);
  });

  describe("with a token", () => {
    const TOKEN = "s3cret-dashboard-token-0123";
    it("sends every page to the login, signs in with the token only, and keeps a signed HttpOnly session", async () => {
      const app = w.app({ token: TOKEN });
      const anon = await app.request("/leads");
      expect(anon.status).toBe(303);
      expect(anon.headers.get("Location")).toBe("/login");
      expect((await app.request("/leads", { headers: { "HX-Request": "true" } })).status).toBe(401);
      expect((await app.request("/assets/app.css")).status).toBe(200);

      const login = await (await app.request("/login")).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login)![1]!;
      const loginPost = (token: string, c = csrf) =>
        app.request("/login", {
          method: "POST",
          body: form({ _csrf: c, token }),
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
        });
      expect((await loginPost("wrong")).status).toBe(401);
      expect((await loginPost(TOKEN, "forged")).status).toBe(403);
      const ok = await loginPost(TOKEN);
      expect(ok.status).toBe(303);
      const cookie = ok.headers.get("Set-Cookie")!;
      expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+`));
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Strict");
      const session = cookie.split(";")[0]!;
      const page = await app.request("/leads", { headers: { Cookie: session } });
      expect(page.status).toBe(200);
      // A forged cookie is no session.
      const forged = session.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
      expect((await app.request("/leads", { headers: { Cookie: forged } })).status).toBe(303);
      // The session's CSRF token is its own: the loopback one does not work.
      const html = await page.text();
      const token = /X-CSRF-Token&quot;:&quot;([^&]+)&quot;/.exec(html)![1]!;
      expect(token).not.toBe(w.csrf);
      const write = (t: string) =>
        app.request(`/campaigns/${w.campaignId}/pause`, {
          method: "POST",
          headers: { Cookie: session, [CSRF_HEADER]: t, "HX-Request": "true" },
        });
      expect((await write(w.csrf)).status).toBe(403);
      expect((await write(token)).status).toBe(200);
      expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("paused");
      await app.request(`/campaigns/${w.campaignId}/resume`, {
        method: "POST",
        headers: { Cookie: session, [CSRF_HEADER]: token, "HX-Request": "true" },
      });
    });
  });

  it("refuses to listen beyond loopback without a token", async () => {
    expect(dashboardConfigProblem({ host: "127.0.0.1" })).toBeNull();
    expect(dashboardConfigProblem({ host: "::1" })).toBeNull();
    expect(dashboardConfigProblem({ host: "0.0.0.0" })).toMatch(
      /refusing to listen on 0\.0\.0\.0 without a login: set OFFERLAB_DASHBOARD_TOKEN/,
    );
    expect(dashboardConfigProblem({ host: "0.0.0.0", token: "short" })).toMatch(/at least 16 characters/);
    expect(dashboardConfigProblem({ host: "0.0.0.0", token: "0123456789abcdef" })).toBeNull();
    await expect(startDashboardServer({ db: w.db, host: "0.0.0.0", port: 0 })).rejects.toThrow(/refusing to listen/);
    const running = await startDashboardServer({ db: w.db, port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
