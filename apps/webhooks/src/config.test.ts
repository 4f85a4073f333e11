import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_MAX_BODY_BYTES, loadWebhookConfig } from "./config.js";

const secret = "s".repeat(32);

describe("loadWebhookConfig", () => {
  it("refuses to start without a secret, or with one shorter than 32 characters", () => {
    expect(() => loadWebhookConfig({})).toThrow(ConfigError);
    expect(() => loadWebhookConfig({})).toThrow(/OFFERLAB_WEBHOOK_SECRET is not set/);
    expect(() => loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: "s".repeat(31) })).toThrow(/31 characters long; it must be at least 32/);
  });

  it("has defaults for the header, port and body limit", () => {
    expect(loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: secret })).toEqual({
      secret,
      secretHeader: "x-offerlab-webhook-secret",
      port: 8787,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      calcomSecret: null,
      calendlySigningKey: null,
      bookingReplayWindowSeconds: 300,
    });
  });

  it("reads the header, port and body limit, and names a wrong value", () => {
    const c = loadWebhookConfig({
      OFFERLAB_WEBHOOK_SECRET: secret,
      OFFERLAB_WEBHOOK_SECRET_HEADER: "X-Hook-Key",
      PORT: "9000",
      OFFERLAB_WEBHOOK_MAX_BODY: "1024",
    });
    expect(c).toMatchObject({ secretHeader: "x-hook-key", port: 9000, maxBodyBytes: 1024 });
    expect(() => loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: secret, PORT: "80a" })).toThrow(
      /PORT must be a whole number between 1 and 65535, got "80a"/,
    );
    expect(() => loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: secret, OFFERLAB_WEBHOOK_SECRET_HEADER: "bad header" })).toThrow(
      /OFFERLAB_WEBHOOK_SECRET_HEADER/,
    );
  });

  it("reads the booking tools' secrets and replay window; a short secret is refused, naming the variable", () => {
    const c = loadWebhookConfig({
      OFFERLAB_WEBHOOK_SECRET: secret,
      OFFERLAB_CALCOM_WEBHOOK_SECRET: " calcom-secret-1234567890 ",
      OFFERLAB_CALENDLY_SIGNING_KEY: "calendly-key-1234567890",
      OFFERLAB_BOOKING_REPLAY_WINDOW: "600",
    });
    expect(c).toMatchObject({
      calcomSecret: "calcom-secret-1234567890",
      calendlySigningKey: "calendly-key-1234567890",
      bookingReplayWindowSeconds: 600,
    });
    expect(() => loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: secret, OFFERLAB_CALCOM_WEBHOOK_SECRET: "short" })).toThrow(
      /OFFERLAB_CALCOM_WEBHOOK_SECRET is 5 characters long; it must be at least 16/,
    );
    expect(() => loadWebhookConfig({ OFFERLAB_WEBHOOK_SECRET: secret, OFFERLAB_BOOKING_REPLAY_WINDOW: "0" })).toThrow(
      /OFFERLAB_BOOKING_REPLAY_WINDOW must be a whole number/,
    );
  });
});
