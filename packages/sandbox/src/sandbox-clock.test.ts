import type { SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox } from "./index.js";

const DAY = 86_400_000;

async function invitedWorld(seed: string) {
  const sandbox = createSandbox({ seed, rates: { acceptRate: 1, lateAcceptanceShare: 0.2 }, world: { companies: 40 } });
  const p = sandbox.providers();
  const li = (await p.unipile.listAccounts()).items.find((a) => a.type === "linkedin") as SendingAccount;
  const people = sandbox.world.people.filter((x) => x.degree === 2).slice(0, 40);
  for (const person of people) await p.unipile.sendInvitation({ accountId: li.id, providerId: person.provider_id });
  return { sandbox, p, li, people };
}

describe("the simulated clock", () => {
  it("starts at startAt (a Monday morning by default) and only moves forward", () => {
    const sandbox = createSandbox({ seed: "clock", world: { companies: 3 } });
    expect(sandbox.clock.now().toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect(sandbox.clock.now().getUTCDay()).toBe(1);
    expect(
      createSandbox({ seed: "clock", startAt: "2027-01-04T09:30:00Z", world: { companies: 3 } })
        .clock.now()
        .toISOString(),
    ).toBe("2027-01-04T09:30:00.000Z");
    expect(sandbox.clock.advance(90_000).toISOString()).toBe("2026-03-02T08:01:30.000Z");
    expect(() => sandbox.clock.advance(-1)).toThrow(RangeError);
    expect(sandbox.clock.set("2026-01-01T00:00:00Z").toISOString()).toBe("2026-03-02T08:01:30.000Z");
    expect(sandbox.clock.set("2026-03-09T08:00:00Z").toISOString()).toBe("2026-03-09T08:00:00.000Z");
    expect(() => createSandbox({ seed: "clock", startAt: "not a date" })).toThrow(/not a time/);
  });

  it("refuses to advance backwards or to a non-time, and keeps working afterwards", async () => {
    const sandbox = createSandbox({ seed: "clock-bad", world: { companies: 3 } });
    await expect(sandbox.tick(-5)).rejects.toThrow(RangeError);
    await expect(sandbox.advanceTo("next tuesday")).rejects.toThrow(/not a time/);
    await sandbox.advanceTo("2026-01-01T00:00:00Z");
    expect(sandbox.clock.now().toISOString()).toBe("2026-03-02T08:00:00.000Z");
    await sandbox.tick(DAY);
    expect(sandbox.clock.now().toISOString()).toBe("2026-03-03T08:00:00.000Z");
  });

  it("stamps what the vendors record with simulated time", async () => {
    const { sandbox, p, li } = await invitedWorld("clock-stamps");
    const sent = (await p.unipile.listSentInvitations({ accountId: li.id })).items;
    expect(new Set(sent.map((i) => i.sentAt))).toEqual(new Set(["2026-03-02T08:00:00.000Z"]));
    expect(sandbox.journal.every((e) => e.at === "2026-03-02T08:00:00.000Z")).toBe(true);
  });

  it("lets the world act only when time is advanced through it, each event at its own time, in order", async () => {
    const { sandbox, people } = await invitedWorld("clock-order");
    sandbox.clock.advance(30 * DAY);
    expect(sandbox.outcomes).toHaveLength(0);
    expect(sandbox.nextEventAt()?.getTime()).toBeLessThan(sandbox.clock.now().getTime());
    // Events left behind by a bare clock.advance run at the next tick, in order, at the current
    // time: simulated time never runs backwards for the vendors.
    await sandbox.tick();
    expect(sandbox.outcomes.filter((o) => o.kind === "accepted")).toHaveLength(people.length);
    expect(new Set(sandbox.outcomes.map((o) => o.at))).toEqual(new Set([sandbox.clock.now().toISOString()]));

    // Advanced through the sandbox, each event happens at its own time.
    const stepped = await invitedWorld("clock-order");
    const due = stepped.sandbox.nextEventAt();
    await stepped.sandbox.tick(30 * DAY);
    const times = stepped.sandbox.outcomes.map((o) => Date.parse(o.at));
    expect(times).toHaveLength(people.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBeGreaterThan(people.length / 2);
    expect(Math.min(...times)).toBe(due?.getTime());
    expect(stepped.sandbox.outcomes.map((o) => o.personId)).toEqual(sandbox.outcomes.map((o) => o.personId));

    const later = await invitedWorld("clock-order");
    // Two overlapping advances run one after the other; the world ends where the later one says.
    await Promise.all([
      later.sandbox.advanceTo("2026-03-20T00:00:00Z"),
      later.sandbox.advanceTo("2026-03-10T00:00:00Z"),
      later.sandbox.tick(3 * DAY),
    ]);
    expect(later.sandbox.clock.now().toISOString()).toBe("2026-03-23T00:00:00.000Z");
    const laterTimes = later.sandbox.outcomes.map((o) => Date.parse(o.at));
    expect(laterTimes).toEqual([...laterTimes].sort((a, b) => a - b));
    expect(JSON.stringify(later.sandbox.outcomes.filter((o) => Date.parse(o.at) <= Date.parse("2026-03-23T00:00:00Z")))).toBe(
      JSON.stringify(stepped.sandbox.outcomes.filter((o) => Date.parse(o.at) <= Date.parse("2026-03-23T00:00:00Z"))),
    );
  });

  it("runs weeks of a campaign in one call and reports when nothing is left to happen", async () => {
    const { sandbox } = await invitedWorld("clock-weeks");
    sandbox.setWebhookHandler(() => undefined);
    await sandbox.advanceTo("2026-05-01T00:00:00Z");
    expect(sandbox.clock.now().toISOString()).toBe("2026-05-01T00:00:00.000Z");
    expect(sandbox.outcomes.filter((o) => o.kind === "accepted")).toHaveLength(40);
    expect(sandbox.nextEventAt()).toBeNull();
  });
});
