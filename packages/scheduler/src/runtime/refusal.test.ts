import { describe, expect, it } from "vitest";
import { refusalPolicy } from "./refusal.js";

const now = new Date("2026-03-02T10:00:00Z");
const MIN = 60_000;
const at = (ms: number) => new Date(now.getTime() + ms);

describe("refusalPolicy", () => {
  it("retries a passing refusal after 5 minutes, doubling per attempt, at most an hour", () => {
    const r = { reason: "http_503", message: "try later" };
    expect(refusalPolicy(r, { attempts: 1, maxAttempts: 9 }, now)).toEqual({
      final: false,
      retryAt: at(5 * MIN),
      cooldownUntil: null,
      disconnect: false,
      activity: "failed",
      error: "http_503: try later",
    });
    expect(refusalPolicy(r, { attempts: 2, maxAttempts: 9 }, now).retryAt).toEqual(at(10 * MIN));
    expect(refusalPolicy(r, { attempts: 4, maxAttempts: 9 }, now).retryAt).toEqual(at(40 * MIN));
    expect(refusalPolicy(r, { attempts: 5, maxAttempts: 9 }, now).retryAt).toEqual(at(60 * MIN));
    expect(refusalPolicy(r, { attempts: 0, maxAttempts: 9 }, now).retryAt).toEqual(at(5 * MIN));
  });

  it("waits out a rate limit's cooldown, and the account cools down as long", () => {
    const p = refusalPolicy({ reason: "rate_limited", message: "slow down", cooldownMs: 90 * MIN }, { attempts: 3, maxAttempts: 9 }, now);
    expect(p).toMatchObject({
      final: false,
      retryAt: at(90 * MIN),
      cooldownUntil: at(90 * MIN),
      activity: "rate_limited",
      disconnect: false,
    });
  });

  it("disconnects the account when its credentials were refused", () => {
    expect(refusalPolicy({ reason: "auth", message: "expired", accountProblem: true }, { attempts: 1, maxAttempts: 3 }, now)).toMatchObject(
      { disconnect: true, final: false, activity: "failed" },
    );
  });

  it("fails the row for good on a permanent refusal or its last attempt, with no retry time", () => {
    expect(refusalPolicy({ reason: "invalid", message: "bad", permanent: true }, { attempts: 1, maxAttempts: 3 }, now)).toMatchObject({
      final: true,
      retryAt: null,
    });
    expect(refusalPolicy({ reason: "http_503", message: "x" }, { attempts: 3, maxAttempts: 3 }, now)).toMatchObject({
      final: true,
      retryAt: null,
    });
    expect(refusalPolicy({ reason: "http_503", message: "x" }, { attempts: 2, maxAttempts: 3 }, now)).toMatchObject({ final: false });
    // A rate limit on the last attempt still cools the account down.
    expect(refusalPolicy({ reason: "rate_limited", message: "x", cooldownMs: MIN }, { attempts: 3, maxAttempts: 3 }, now)).toMatchObject({
      final: true,
      retryAt: null,
      cooldownUntil: at(MIN),
      activity: "rate_limited",
    });
  });
});
