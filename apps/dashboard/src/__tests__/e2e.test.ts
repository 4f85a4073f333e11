/**
 * End to end in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against
 * the dashboard's server on a seeded database — PGlite, and PostgreSQL too when TEST_DATABASE_URL
 * is set (the same tests, one browser for both): every page loads without a script error or
 * a CSP violation, the leads table filters and pages, a bulk suppress and a bulk enrol, a campaign paused and
 * resumed, the activity feed updating live, and the token login.
 *
 * Without the browser the suite is skipped on a workstation; with CI=true it fails instead, so
 * CI never passes without running it (`.ci/run` installs the package).
 */
import fs from "node:fs";
import { accountAdmin, campaignContacts, campaigns, suppressions } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboardServer, type RunningDashboard } from "../server.js";
import { fakeSupabase, type FakeSupabase } from "./fake-supabase.js";
import { autumnCampaignAndTwoLeads, seedWorld, touchJane, type World } from "./world.js";

const CHROMIUM = process.env.OFFERLAB_CHROMIUM ?? "/usr/bin/chromium";
const haveBrowser = fs.existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI === "true") {
  throw new Error(`the dashboard's end-to-end tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (or set OFFERLAB_CHROMIUM)`);
}
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TOKEN = "e2e-dashboard-token-0123456789";

// One browser for every engine: launching Chromium is the slow part.
let browser: Browser;
if (haveBrowser) {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
}

describe.skipIf(!haveBrowser).each(testEngines())("dashboard in Chromium on %s", (engine) => {
  let w: World;
  let server: RunningDashboard;
  let locked: RunningDashboard;
  let project: FakeSupabase;
  let viaSupabase: RunningDashboard;
  const problems: string[] = [];

  async function open(path: string, base = server.url): Promise<Page> {
    const page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`${path}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`${path}: ${String(e)}`));
    page.on("dialog", (d) => void d.accept());
    await page.goto(base + path);
    return page;
  }

  beforeAll(async () => {
    w = await seedWorld(engine, 60);
    server = await startDashboardServer({ db: w.db, port: 0, pollMs: 200 });
    locked = await startDashboardServer({ db: w.db, port: 0, token: TOKEN });
    project = await fakeSupabase({ "jane@acme.com": "jane-password", "eve@evil.example": "eve-password" });
    viaSupabase = await startDashboardServer({
      db: w.db,
      port: 0,
      supabaseAuth: { url: project.url, anonKey: "anon-key", allowedDomains: ["acme.com"] },
    });
  });
  afterAll(async () => {
    await viaSupabase?.close();
    await project?.close();
    await server?.close();
    await locked?.close();
    await w?.t.drop();
  });

  it("loads every page with htmx running and no script error or CSP violation", async () => {
    const page = await open("/");
    for (const path of [
      "/",
      "/offers",
      `/offers/${w.offerId}`,
      "/schedule",
      "/campaigns",
      `/campaigns/${w.campaignId}`,
      "/leads",
      `/people/${w.janeId}`,
      "/replies",
      "/accounts",
      "/activity",
      "/tools",
    ]) {
      await page.goto(server.url + path);
      expect(await page.title(), path).toMatch(/ · offerlab$/);
      expect(await page.evaluate("typeof window.htmx"), path).toBe("object");
    }
    await page.close();
    expect(problems).toEqual([]);
  });

  it("filters the leads table (the view lands in the URL) and pages it", async () => {
    const page = await open("/leads");
    expect(await page.locator("#leads tbody tr[data-contact]").count()).toBe(50);
    await page.fill('input[name="q"]', "person1");
    await page.click('#filters button[type="submit"]');
    await page.waitForURL(/q=person1/);
    // person1 and person10 … person19
    await expect.poll(() => page.locator("#leads tbody tr[data-contact]").count()).toBe(11);
    expect(await page.locator("#leads-total").textContent()).toBe("11 contacts");
    await page.goto(server.url + "/leads");
    await page.click('a[data-page="next"]');
    await page.waitForURL(/after=/);
    await expect.poll(() => page.locator("#leads tbody tr[data-contact]").count()).toBe(12);
    await expect.poll(() => page.locator(".pager").textContent()).toContain("end of the list");
    // A shared link opens the same view.
    await page.goto(server.url + "/leads?q=person2&sort=name&dir=desc");
    expect(await page.locator("#leads tbody tr[data-contact] td:nth-child(2)").first().textContent()).toBe("Person 29");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("bulk-suppresses the selected rows", async () => {
    const page = await open("/leads?q=person3");
    const boxes = page.locator('#leads input[name="ids"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.fill('input[name="reason"]', "asked to stop");
    await page.click('button[data-action="suppress"]');
    await expect.poll(() => page.locator("#bulk-result").textContent()).toContain("Suppressed 2 contacts");
    // The table reloads itself after the change (its rows now show the people suppressed).
    await expect.poll(() => page.locator("#bulk-result").textContent()).toContain("2 new entries");
    const list = await suppressions.list(w.db);
    expect(list.filter((s) => s.reason === "asked to stop")).toHaveLength(2);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("bulk-enrols the selected rows in a campaign after a confirmation naming how many", async () => {
    const { campaign: autumn } = await autumnCampaignAndTwoLeads(w);
    const page = await open("/leads?q=fresh");
    await page.check("#select-all");
    await page.selectOption('#bulk select[name="enrol_campaign"]', autumn.id);
    await page.click('button[data-action="enrol"]');
    await expect.poll(() => page.locator("#bulk-confirm").textContent()).toContain("Enrol 2 contacts in Autumn push?");
    expect(await campaignContacts.listByCampaign(w.db, autumn.id)).toHaveLength(0);
    await page.click('#bulk-confirm button[data-action="confirm"]');
    await expect.poll(() => page.locator("#bulk-result").textContent()).toContain("Enrolled 2 contacts of 2 contacts in Autumn push");
    expect(await campaignContacts.listByCampaign(w.db, autumn.id)).toHaveLength(2);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("pauses and resumes a campaign", async () => {
    const page = await open(`/campaigns/${w.campaignId}`);
    await page.click('button[data-action="pause"]');
    await expect.poll(() => page.locator(".campaign-actions .badge").textContent()).toBe("paused");
    expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("paused");
    await page.click('button[data-action="resume"]');
    await expect.poll(() => page.locator(".campaign-actions .badge").textContent()).toBe("active");
    expect((await campaigns.get(w.db, w.campaignId))!.status).toBe("active");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("edits an account's limits: a refused value is shown next to its field, a good one is saved", async () => {
    const before = await accountAdmin.find(w.db, w.emailAccountId);
    const page = await open("/accounts");
    const form = page.locator(`form[data-limits="${w.emailAccountId}"]`);
    await form.locator('input[name="hourly_limit"]').fill("many");
    await form.locator('button[type="submit"]').click();
    const error = page.locator(`form[data-limits="${w.emailAccountId}"] [data-error="hourly_limit"]`);
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.textContent()).toContain('must be a whole number from 0 to 10000 (got "many")');
    expect((await accountAdmin.find(w.db, w.emailAccountId)).hourly_limit).toBe(before.hourly_limit);
    await page.locator(`form[data-limits="${w.emailAccountId}"] input[name="hourly_limit"]`).fill("7");
    await page.locator(`form[data-limits="${w.emailAccountId}"] button[type="submit"]`).click();
    await expect.poll(() => page.locator(`form[data-limits="${w.emailAccountId}"]`).textContent()).toContain("Saved.");
    expect((await accountAdmin.find(w.db, w.emailAccountId)).hourly_limit).toBe(7);
    await accountAdmin.setLimits(w.db, w.emailAccountId, { hourly_limit: before.hourly_limit });
    // The campaign page shows the forecast with its bottleneck.
    await page.goto(server.url + `/campaigns/${w.campaignId}`);
    expect(await page.locator("#bottleneck").textContent()).toMatch(/^Bottleneck: /);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("updates the activity feed live", async () => {
    const page = await open("/activity");
    await expect.poll(() => page.locator("#stream-state").textContent()).toBe("live");
    const before = await page.locator("#activity tbody tr").count();
    // Something happens: a send is recorded (tests may write rows directly).
    await touchJane(w, { subject: "Live one", sentAt: new Date() });
    await expect.poll(() => page.locator("#activity tbody tr").count(), { timeout: 10_000 }).toBe(before + 1);
    expect(await page.locator("#activity tbody tr").first().textContent()).toContain("Jane Doe");
    expect(await page.locator("#stream-state").textContent()).toMatch(/^live · updated/);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("asks for the token, refuses a wrong one, and signs in with the right one", async () => {
    const page = await open("/leads", locked.url);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill('input[name="token"]', "not-the-token");
    await page.click('button[type="submit"]');
    expect(await page.locator(".flash.error").textContent()).toContain("That token is not the dashboard's");
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(locked.url + "/");
    expect(await page.title()).toBe("Overview · offerlab");
    const cookie = (await page.context().cookies()).find((c) => c.name === "offerlab_dashboard");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // The session's writes work from the page (its CSRF header), and sign-out ends it.
    await page.goto(locked.url + `/campaigns/${w.campaignId}`);
    await page.click('button[data-action="pause"]');
    await expect.poll(() => page.locator(".campaign-actions .badge").textContent()).toBe("paused");
    await page.click('button[data-action="resume"]');
    await expect.poll(() => page.locator(".campaign-actions .badge").textContent()).toBe("active");
    await page.click("text=Sign out");
    await page.waitForURL(/\/login$/);
    await page.close();
    // A 401 on the wrong token is the login page's answer, not a script error.
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  });

  it("signs in with Supabase Auth through supabase-js on the login page, and refuses an email off the allow-list", async () => {
    const page = await open("/leads", viaSupabase.url);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill('#supabase-login input[name="email"]', "jane@acme.com");
    await page.fill('#supabase-login input[name="password"]', "wrong");
    await page.click('#supabase-login button[value="password"]');
    await expect.poll(() => page.locator("#supabase-status").textContent()).toContain("Invalid login credentials");
    await page.fill('#supabase-login input[name="email"]', "eve@evil.example");
    await page.fill('#supabase-login input[name="password"]', "eve-password");
    await page.click('#supabase-login button[value="password"]');
    await expect.poll(() => page.locator("#supabase-status").textContent()).toContain("eve@evil.example is not allowed in");
    expect((await page.context().cookies()).find((c) => c.name === "offerlab_dashboard")).toBeUndefined();
    await page.fill('#supabase-login input[name="email"]', "jane@acme.com");
    await page.fill('#supabase-login input[name="password"]', "jane-password");
    await page.click('#supabase-login button[value="password"]');
    await page.waitForURL(viaSupabase.url + "/");
    expect(await page.title()).toBe("Overview · offerlab");
    const cookie = (await page.context().cookies()).find((c) => c.name === "offerlab_dashboard");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // Nothing of Supabase's session stays in the browser's storage.
    expect(await page.evaluate("window.localStorage.length")).toBe(0);
    await page.close();
    // The refused sign-ins answer 401/400 (shown on the page), not script errors.
    expect(problems.filter((p) => !/40[01]/.test(p))).toEqual([]);
  });
});
