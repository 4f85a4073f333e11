/** `registerUnipileWebhooks` against the Unipile fake: what it creates, and when it refuses. */
import { errorCodeOf, exitCodeOf } from "@offerlab/core";
import { createUnipile } from "@offerlab/provider-unipile";
import { createUnipileMock } from "@offerlab/provider-unipile/msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateWebhookSecret, registerUnipileWebhooks, unipileWebhookUrl } from "../register.js";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("registerUnipileWebhooks", () => {
  let mock: ReturnType<typeof createUnipileMock>;
  let unipile: ReturnType<typeof createUnipile>;
  beforeEach(() => {
    mock = createUnipileMock();
    server.resetHandlers(...mock.handlers);
    unipile = createUnipile({ apiKey: mock.apiKey, baseUrl: mock.baseUrl });
  });

  it("creates one webhook per source at the route URL, each carrying the generated secret in our header", async () => {
    const res = await registerUnipileWebhooks({ unipile, url: "https://hooks.example.com" });
    expect(res.requestUrl).toBe("https://hooks.example.com/webhooks/unipile");
    expect(res.generated).toBe(true);
    expect(res.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(res.created.map((c) => c.source)).toEqual(["messaging", "users", "email", "email_tracking", "account_status"]);
    expect(mock.state.webhooks).toHaveLength(5);
    for (const hook of mock.state.webhooks) {
      expect(hook.request_url).toBe("https://hooks.example.com/webhooks/unipile");
      expect(hook.headers).toContainEqual({ key: "x-offerlab-webhook-secret", value: res.secret });
      expect(hook.headers).toContainEqual({ key: "Content-Type", value: "application/json" });
    }
    expect(mock.state.webhooks.find((h) => h.source === "email")!.events).toEqual(["mail_received", "mail_sent"]);
    expect(mock.state.webhooks.find((h) => h.source === "messaging")!.events).toEqual(["message_received"]);
  });

  it("refuses to add a second set for the same URL unless told to replace it", async () => {
    const first = await registerUnipileWebhooks({ unipile, url: "https://hooks.example.com/webhooks/unipile" });
    await expect(registerUnipileWebhooks({ unipile, url: "https://hooks.example.com/" })).rejects.toThrow(
      /5 Unipile webhook\(s\) already point at https:\/\/hooks.example.com\/webhooks\/unipile: pass --replace/,
    );
    expect(mock.state.webhooks).toHaveLength(5);
    const refused = await registerUnipileWebhooks({ unipile, url: "https://hooks.example.com" }).catch((e: unknown) => e);
    expect(errorCodeOf(refused)).toBe("invalid_usage");
    expect(exitCodeOf(refused)).toBe(2);
    const second = await registerUnipileWebhooks({
      unipile,
      url: "https://hooks.example.com",
      replace: true,
      secret: "k".repeat(40),
      secretHeader: "x-hook-key",
    });
    expect(second.generated).toBe(false);
    expect(second.replaced.sort()).toEqual(first.created.map((c) => c.webhookId).sort());
    expect(mock.state.webhooks).toHaveLength(5);
    expect(mock.state.webhooks.every((h) => h.headers.some((x) => x.key === "x-hook-key" && x.value === "k".repeat(40)))).toBe(true);
  });

  it("names what was created when Unipile fails half-way, and checks its inputs", async () => {
    mock.fail("server_error", { match: "POST /webhooks", times: 1 });
    const failed = await registerUnipileWebhooks({ unipile, url: "https://hooks.example.com" }).catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(/creating the Unipile messaging webhook failed/);
    // The provider's own code travels with it, never `internal`: a create answered with a 5xx may
    // or may not have happened (hence "run again with --replace" once one exists).
    expect(errorCodeOf(failed)).toBe("provider_unknown_outcome");
    const short = await registerUnipileWebhooks({ unipile, url: "https://hooks.example.com", secret: "short" }).catch((e: unknown) => e);
    expect((short as Error).message).toMatch(/at least 32 characters/);
    expect(errorCodeOf(short)).toBe("invalid_usage");
    for (const [url, message] of [
      ["hooks.example.com", /absolute URL/],
      ["ftp://hooks.example.com", /http\(s\)/],
    ] as const) {
      const error = (() => {
        try {
          unipileWebhookUrl(url);
        } catch (e) {
          return e;
        }
      })();
      expect((error as Error).message).toMatch(message);
      expect(errorCodeOf(error)).toBe("invalid_usage");
    }
    expect(unipileWebhookUrl("https://example.com/base/")).toBe("https://example.com/base/webhooks/unipile");
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
  });
});
