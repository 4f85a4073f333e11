import { describe, expect, it } from "vitest";
import { accountGapMs, jitteredSendTime, reconcileDelayMs } from "./jitter.js";
import { seededRandomSource, systemRandomSource } from "./random.js";
import { windowFromCampaign } from "./window.js";

const draws = (stream: () => number, n = 5) => Array.from({ length: n }, () => stream());

describe("random sources", () => {
  it("a seeded source gives the same draws for one seed and key, in any process, and others for another seed or key", () => {
    expect(draws(seededRandomSource("s").stream("send|campaign|ada@acme.example|1"))).toEqual(
      draws(seededRandomSource("s").stream("send|campaign|ada@acme.example|1")),
    );
    expect(draws(seededRandomSource("t").stream("send|campaign|ada@acme.example|1"))).not.toEqual(
      draws(seededRandomSource("s").stream("send|campaign|ada@acme.example|1")),
    );
    expect(draws(seededRandomSource("s").stream("send|campaign|zoe@acme.example|1"))).not.toEqual(
      draws(seededRandomSource("s").stream("send|campaign|ada@acme.example|1")),
    );
    for (const d of draws(seededRandomSource("s").stream("k"), 200)) expect(d >= 0 && d < 1).toBe(true);
  });

  it("production's source is one per process: stable for a key within it", () => {
    expect(systemRandomSource()).toBe(systemRandomSource());
    expect(draws(systemRandomSource().stream("k"))).toEqual(draws(systemRandomSource().stream("k")));
  });

  it("the jitter functions take a source's stream as well as a seed string", () => {
    const w = windowFromCampaign({ send_window_start: "09:00", send_window_end: "17:00", send_days: [1, 2, 3, 4, 5], timezone: "UTC" });
    const at = new Date("2026-03-02T10:00:00Z");
    const [one, same, other] = [seededRandomSource("seed"), seededRandomSource("seed"), seededRandomSource("other")];
    expect(jitteredSendTime(w, at, one.stream("send|k"))).toEqual(jitteredSendTime(w, at, same.stream("send|k")));
    expect(jitteredSendTime(w, at, one.stream("send|k2"))).not.toEqual(jitteredSendTime(w, at, other.stream("send|k2")));
    expect(accountGapMs(one.stream("gap|k"))).toBe(accountGapMs(same.stream("gap|k")));
    expect(accountGapMs(one.stream("gap|k2"))).not.toBe(accountGapMs(other.stream("gap|k2")));
    const delay = reconcileDelayMs(3, one.stream("reconcile|k|3"));
    expect(delay).toBe(reconcileDelayMs(3, same.stream("reconcile|k|3")));
    expect(delay).not.toBe(reconcileDelayMs(3, other.stream("reconcile|k|3")));
    expect(delay).toBeGreaterThanOrEqual(4 * 60_000 * 0.8);
    expect(delay).toBeLessThanOrEqual(4 * 60_000 * 1.2);
  });
});
