import { claimDataMode, toolRateLimits, type Db } from "@offerlab/db";
import { emailSent, seedOutreachWorld, testEngines, touchJane } from "@offerlab/db/testing";
import { reserveQuota } from "@offerlab/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDatabase, type CliDatabase } from "./test-support/cli-db.js";

// Sandbox data is simulated in the past: Jane was touched on 2026-03-09, the data's last send and so its clock. On
// the wall clock (months later) her 60-day cooling-off is long over; on the data's clock it is not,
// and that is what `why --sandbox` says, as the dashboard's person page does.
describe.each(testEngines())("offerlab why --sandbox judges on the data's clock (%s)", { timeout: 120_000 }, (engine) => {
  let d: CliDatabase;
  const touched = new Date("2026-03-09T10:00:00Z");
  beforeAll(async () => {
    d = await cliDatabase(engine);
    await d.seed(async (db: Db) => {
      await claimDataMode(db, "sandbox", { note: "test" });
      const w = await seedOutreachWorld(db, {
        name: "Spring push",
        vendorLinkedIn: "li",
        vendorMailbox: "mb",
        addedAt: new Date("2026-03-01T09:00:00Z"),
      });
      await emailSent(db, w, { subject: "Ramp time", body: "Hi Jane", sentAt: touched });
      await touchJane(db, w, { subject: "Ramp time", sentAt: touched });
      // The mailbox's send on the data's day, counted against its daily quota as the send path does.
      await db
        .transaction()
        .execute((trx) =>
          reserveQuota(trx, { accountId: w.emailAccountId, action: "email", dailyLimit: 50, hourlyLimit: 50, now: touched }),
        );
      // One LeadMagic call on the data's day, under a daily limit of the tool's own.
      await db.updateTable("tools").set({ rate_limit_per_day: 100 }).where("name", "=", "leadmagic").execute();
      await toolRateLimits.consume(db, "leadmagic", touched);
    });
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("cooling off on the data's clock, not free on the wall clock", async () => {
    const res = await d.run(["why", "jane.doe@acme.com", "--sandbox", "--json"]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.dataClock).toBe(true);
    expect(out.judgedAt).toBe(touched.toISOString());
    expect(out.newCampaign).toMatchObject({ allowed: false, reason: "cooling_off" });
    const text = await d.run(["why", "jane.doe@acme.com", "--sandbox"]);
    expect(text.stdout).toMatch(/may not start with this person now \(judged at 2026-03-09 10:00 UTC, the sandbox data's clock\): /);
  });

  it("tools list reads sandbox usage windows on the data's clock: the data's day's calls count as today", async () => {
    const res = await d.run(["tools", "list", "--sandbox", "--json"]);
    expect(res.code).toBe(0);
    const leadmagic = (JSON.parse(res.stdout) as { tool: string; calls_today: number; rate_limit_per_day: number | null }[]).find(
      (t) => t.tool === "leadmagic",
    );
    // On the wall clock (months after 2026-03-09) today's window is empty.
    expect(leadmagic).toMatchObject({ rate_limit_per_day: 100, calls_today: 1 });
  });

  it("accounts list counts sandbox usage on the data's clock: the data's day's send is today's", async () => {
    const res = await d.run(["accounts", "list", "--type", "email", "--sandbox", "--json"]);
    expect(res.code).toBe(0);
    const rows = JSON.parse(res.stdout) as { used_today: { email: number | null } }[];
    // On the wall clock (months after 2026-03-09) today's count is 0.
    expect(rows.map((r) => r.used_today.email)).toContain(1);
  });
});
