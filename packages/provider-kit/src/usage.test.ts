import { describe, expect, it } from "vitest";
import { ProviderError } from "./errors.js";
import { redactSecrets, trackUsage } from "./usage.js";
import type { UsageEvent } from "./usage.js";

describe("redactSecrets", () => {
  it("removes secret-looking keys and any string containing a known secret", () => {
    const out = redactSecrets(
      {
        apiKey: "k",
        headers: { "X-API-KEY": "sk_live_123", Authorization: "Bearer t" },
        url: "https://x/?key=sk_live_123",
        q: "cto",
        nested: [{ password: "p" }],
      },
      ["sk_live_123"],
    );
    expect(out).toEqual({
      apiKey: "[redacted]",
      headers: { "X-API-KEY": "[redacted]", Authorization: "[redacted]" },
      url: "[redacted]",
      q: "cto",
      nested: [{ password: "[redacted]" }],
    });
  });

  it("leaves out what JSON cannot hold: a parameter the call did not use is no hole in the summary", () => {
    const out = redactSecrets({ account_id: "a1", chat_id: undefined, ids: ["x", undefined], page: { cursor: undefined, limit: 20 } });
    expect(out).toStrictEqual({ account_id: "a1", ids: ["x", null], page: { limit: 20 } });
  });
});

describe("trackUsage", () => {
  let clock = 1_000;
  const now = () => (clock += 25);

  it("reports one success event with credits, results and a redacted request", async () => {
    const events: UsageEvent[] = [];
    const result = await trackUsage(
      {
        onUsage: (e) => void events.push(e),
        tool: "acme",
        action: "search",
        request: { query: "saas", token: "sk_secret_1" },
        secrets: ["sk_secret_1"],
        credits: (r: string[]) => r.length * 2,
        resultsCount: (r) => r.length,
        context: { offerId: "o1" },
        now,
      },
      async () => ["a", "b"],
    );
    expect(result).toEqual(["a", "b"]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tool: "acme",
      action: "search",
      status: "success",
      credits: 4,
      resultsCount: 2,
      durationMs: 25,
      request: { query: "saas", token: "[redacted]" },
      context: { offerId: "o1" },
    });
    expect(JSON.stringify(events)).not.toContain("sk_secret_1");
  });

  it("reports errors (rate limits apart) and rethrows, without secrets in the message", async () => {
    const events: UsageEvent[] = [];
    const secret = "sk_secret_2";
    const fail = (kind: ProviderError["kind"]) => () =>
      Promise.reject(new ProviderError({ kind, provider: "acme", message: `bad key ${secret}`, vendorCode: "E1" }));
    await expect(
      trackUsage({ onUsage: (e) => void events.push(e), tool: "acme", action: "a", secrets: [secret] }, fail("auth")),
    ).rejects.toMatchObject({ kind: "auth" });
    await expect(
      trackUsage(
        { onUsage: (e) => void events.push(e), tool: "acme", action: "a", secrets: [secret], creditsOnError: 1 },
        fail("rate_limited"),
      ),
    ).rejects.toMatchObject({
      kind: "rate_limited",
    });
    expect(events.map((e) => e.status)).toEqual(["error", "rate_limited"]);
    expect(events[0]?.error).toMatchObject({ kind: "auth", code: "E1" });
    expect(events[1]?.credits).toBe(1);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it("never lets a failing callback change the outcome", async () => {
    await expect(
      trackUsage(
        {
          onUsage: () => {
            throw new Error("db down");
          },
          tool: "t",
          action: "a",
        },
        async () => 1,
      ),
    ).resolves.toBe(1);
    await expect(trackUsage({ onUsage: () => Promise.reject(new Error("db down")), tool: "t", action: "a" }, async () => 2)).resolves.toBe(
      2,
    );
  });
});
