import { afterEach, describe, expect, it } from "vitest";
import { dashboard } from "./dashboard.js";
import { createTestDb, emailSent, seedOutreachWorld, testEngines, type TestDb } from "./testing.js";

const DAY = 86_400_000;

describe.each(testEngines())("the daily sends and replies chart on %s", (engine) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it("counts the sends and replies of each UTC day shown, zeros included, and nothing outside those days", async () => {
    t = await createTestDb(engine);
    const now = new Date("2026-12-03T15:00:00Z");
    const w = await seedOutreachWorld(t.db, {
      name: "Chart",
      vendorLinkedIn: "li",
      vendorMailbox: "mb",
      addedAt: new Date(now.getTime() - 40 * DAY),
    });
    const at = (iso: string) => new Date(iso);
    // Inside the 3 days shown (1–3 December): two sends on the 1st (one answered on the 3rd), one just after midnight on the 3rd.
    await emailSent(t.db, w, {
      body: "a",
      sentAt: at("2026-12-01T00:00:00Z"),
      reply: { at: at("2026-12-03T23:59:59Z"), sentiment: "positive" },
    });
    await emailSent(t.db, w, { body: "b", sentAt: at("2026-12-01T23:59:59Z") });
    await emailSent(t.db, w, { body: "c", sentAt: at("2026-12-03T00:00:01Z") });
    // Outside: the last second of 30 November (a reply on 2 December counts), the first of 4 December, a month earlier.
    await emailSent(t.db, w, {
      body: "d",
      sentAt: at("2026-11-30T23:59:59Z"),
      reply: { at: at("2026-12-02T10:00:00Z"), sentiment: "neutral" },
    });
    await emailSent(t.db, w, {
      body: "e",
      sentAt: at("2026-12-04T00:00:00Z"),
      reply: { at: at("2026-12-04T01:00:00Z"), sentiment: "neutral" },
    });
    await emailSent(t.db, w, { body: "f", sentAt: at("2026-11-01T12:00:00Z") });

    expect(await dashboard.daily(t.db, { now, days: 3 })).toEqual([
      { day: "2026-12-01", sends: 2, replies: 0 },
      { day: "2026-12-02", sends: 0, replies: 1 },
      { day: "2026-12-03", sends: 1, replies: 1 },
    ]);
    // One campaign's chart: the same messages (they are all of this campaign); another campaign has none.
    expect(await dashboard.daily(t.db, { now, days: 3, campaignId: w.campaignId })).toEqual(await dashboard.daily(t.db, { now, days: 3 }));
    expect(
      (await dashboard.daily(t.db, { now, days: 3, campaignId: "00000000-0000-4000-8000-000000000000" })).every(
        (d) => d.sends === 0 && d.replies === 0,
      ),
    ).toBe(true);
    // 14 days by default, ending on now's UTC day.
    const fortnight = await dashboard.daily(t.db, { now });
    expect(fortnight).toHaveLength(14);
    expect(fortnight[0]!.day).toBe("2026-11-20");
    expect(fortnight.at(-1)!.day).toBe("2026-12-03");
    expect(fortnight.reduce((n, d) => n + d.sends, 0)).toBe(4);
  }, 120_000);
});
