import { describe, expect, it } from "vitest";
import { countContacts, type ContactFacts } from "./counting.js";

const DAY = 86_400_000;
const now = new Date("2026-06-30T00:00:00Z");
const ago = (days: number) => new Date(now.getTime() - days * DAY);
const fact = (group: string, touched: number | null, positiveAfter?: number): ContactFacts => ({
  contactId: `${group}-${touched}-${positiveAfter}`,
  campaignContactId: "cc",
  group,
  firstTouchAt: touched === null ? null : ago(touched),
  repliedAt: positiveAfter === undefined || touched === null ? null : new Date(ago(touched).getTime() + positiveAfter * DAY),
  positiveAt: positiveAfter === undefined || touched === null ? null : new Date(ago(touched).getTime() + positiveAfter * DAY),
  meetingAt: null,
  probability: 0.5,
  policy: "balanced",
});

describe("countContacts", () => {
  it("counts matured contacts only; maturing ones are never failures, their early outcomes are shown apart", () => {
    const [a, b] = countContacts(
      [fact("a", 30, 1), fact("a", 30), fact("a", 30, 20), fact("a", 2, 1), fact("a", null), fact("b", 3), fact("b", 4)],
      ["a", "b"],
      { metric: "positive_reply", maturityDays: 14, now },
    );
    expect(a).toMatchObject({ enrolled: 5, contacted: 4, matured: 3, maturing: 1, successes: 1, maturingSuccesses: 1, replies: 1 });
    // An arm with only maturing contacts has no failures at all (its rate is unknown, not 0).
    expect(b).toMatchObject({ enrolled: 2, contacted: 2, matured: 0, maturing: 2, successes: 0 });
  });

  it("lists groups it was given even when empty, and groups it finds", () => {
    const out = countContacts([fact("x", 20, 1)], ["a"], { metric: "reply", maturityDays: 14, now });
    expect(out.map((c) => [c.group, c.matured, c.successes])).toEqual([
      ["a", 0, 0],
      ["x", 1, 1],
    ]);
  });
});
