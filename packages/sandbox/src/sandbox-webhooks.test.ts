import { parseUnipileWebhook, toProviderEvent, verifyUnipileWebhookSecret } from "@offerlab/provider-unipile";
import type { SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox, SANDBOX_WEBHOOK_HEADER } from "./index.js";
import type { Sandbox, SandboxRates } from "./index.js";

const DAY = 86_400_000;
const SECRET = "a-webhook-secret-of-at-least-32-characters";

/** A sandbox where `n` people get an invitation and an email, so webhooks of several sources follow. */
async function busyWorld(seed: string, rates: Partial<SandboxRates>, n = 40) {
  const sandbox = createSandbox({
    seed,
    rates: { acceptRate: 1, lateAcceptanceShare: 0, emailReplyRate: 0.3, ...rates },
    world: { companies: 60 },
  });
  const p = sandbox.providers();
  const accounts = (await p.unipile.listAccounts()).items;
  const li = accounts.filter((a): a is SendingAccount => a.type === "linkedin");
  const mail = accounts.filter((a): a is SendingAccount => a.type === "email");
  const people = sandbox.world.people.filter((x) => x.degree === 2 && x.emailStatus === "valid").slice(0, n);
  const send = async () => {
    let i = 0;
    for (const person of people) {
      await p.unipile.sendInvitation({
        accountId: (li[i % li.length] as SendingAccount).id,
        providerId: person.provider_id,
        note: "Glad to connect.",
      });
      await p.unipile.sendEmail({
        accountId: (mail[i++ % mail.length] as SendingAccount).id,
        to: [{ email: person.email }],
        subject: "Hello",
        html: "<p>Hello</p>",
        tracking: { opens: true },
      });
    }
  };
  return { sandbox, p, li, mail, people, send };
}

const delivered = (s: Sandbox) => s.deliveries.filter((d) => d.outcome === "delivered");

describe("webhook delivery", () => {
  it("follows the webhooks registered through the API: their source, events, accounts and secret header", async () => {
    const { sandbox, p, li, mail, send } = await busyWorld("hooks", { duplicateRate: 0 });
    const [first] = li as [SendingAccount];
    await p.unipile.createWebhook({ requestUrl: "https://hooks.example.test/u", source: "users", secret: SECRET, accountIds: [first.id] });
    // No `events`: Unipile's default for the source (mail_received only, not mail_sent).
    await p.unipile.createWebhook({ requestUrl: "https://hooks.example.test/e", source: "email", secret: SECRET });
    const received: { payload: Record<string, unknown>; headers: Record<string, string> }[] = [];
    sandbox.setWebhookHandler((_provider, payload, headers) => void received.push({ payload, headers }));
    await send();
    await sandbox.tick(20 * DAY);

    expect(received.length).toBeGreaterThan(10);
    const kinds = new Set(received.map((r) => r.payload.event));
    expect(kinds).toEqual(new Set(["new_relation", "mail_received"]));
    for (const r of received) {
      expect(verifyUnipileWebhookSecret(r.headers, SECRET)).toBe(true);
      expect(r.headers["Content-Type"]).toBe("application/json");
      expect(r.headers[SANDBOX_WEBHOOK_HEADER]).toBe("1");
      if (r.payload.event === "new_relation") expect(r.payload.account_id).toBe(first.id);
      else expect(mail.map((m) => m.id)).toContain(r.payload.account_id);
    }
    // Acceptances on the other account happened, but no webhook was registered for it.
    const otherAccount = sandbox.outcomes.filter((o) => o.kind === "accepted" && o.accountId !== first.id);
    expect(otherAccount.length).toBeGreaterThan(0);
  });

  it("without a registered webhook, every event goes to the handler, in Unipile's payload shapes", async () => {
    const { sandbox, send } = await busyWorld("no-registration", { duplicateRate: 0, openRate: 1 });
    const sources = new Set<string>();
    sandbox.setWebhookHandler((_provider, payload, headers) => {
      expect(headers[SANDBOX_WEBHOOK_HEADER]).toBe("1");
      sources.add(parseUnipileWebhook(payload).source);
    });
    await send();
    await sandbox.tick(20 * DAY);
    expect(sources).toEqual(new Set(["users", "messaging", "email", "email_tracking"]));
    const [account] = sandbox.world.accounts;
    await sandbox.setAccountStatus(account?.id as string, "CREDENTIALS");
    expect(sources.has("account_status")).toBe(true);
    const last = sandbox.deliveries.at(-1);
    expect(toProviderEvent(parseUnipileWebhook(last?.payload))).toMatchObject({
      type: "account_status",
      accountId: account?.id,
      vendorStatus: "CREDENTIALS",
    });
  });

  it("delivers duplicates at the configured rate, later and identical", async () => {
    const none = await busyWorld("dups", { duplicateRate: 0 });
    none.sandbox.setWebhookHandler(() => undefined);
    await none.send();
    await none.sandbox.tick(20 * DAY);
    expect(none.sandbox.deliveries.filter((d) => d.duplicate)).toHaveLength(0);

    const half = await busyWorld("dups", { duplicateRate: 0.5 });
    half.sandbox.setWebhookHandler(() => undefined);
    await half.send();
    await half.sandbox.tick(20 * DAY);
    const originals = delivered(half.sandbox).filter((d) => !d.duplicate);
    const duplicates = half.sandbox.deliveries.filter((d) => d.duplicate);
    expect(originals.length).toBeGreaterThan(100);
    const share = duplicates.length / originals.length;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
    for (const dup of duplicates) {
      const original = originals.find((o) => JSON.stringify(o.payload) === JSON.stringify(dup.payload));
      expect(original).toBeDefined();
      const lag = Date.parse(dup.at) - Date.parse(original?.at ?? "");
      expect(lag).toBeGreaterThanOrEqual(20_000);
      expect(lag).toBeLessThanOrEqual(300_000);
    }
  });

  it("retries a failed delivery with growing delays, five times at most", async () => {
    const { sandbox, send } = await busyWorld("retries", { duplicateRate: 0 }, 10);
    const tries = new Map<string, number>();
    // The receiver is down for each payload's first try, then up.
    sandbox.setWebhookHandler((_provider, payload) => {
      const key = JSON.stringify(payload);
      const n = (tries.get(key) ?? 0) + 1;
      tries.set(key, n);
      if (n === 1) throw new Error("receiver down");
    });
    await send();
    await sandbox.tick(20 * DAY);
    const failed = sandbox.deliveries.filter((d) => d.outcome === "failed");
    expect(failed.length).toBeGreaterThan(20);
    expect(failed.every((d) => d.attempt === 1 && d.error === "receiver down")).toBe(true);
    const retried = delivered(sandbox);
    expect(retried).toHaveLength(failed.length);
    expect(retried.every((d) => d.attempt === 2)).toBe(true);
    for (const d of retried) {
      const first = failed.find((f) => JSON.stringify(f.payload) === JSON.stringify(d.payload));
      expect(Date.parse(d.at) - Date.parse(first?.at ?? "")).toBe(60_000);
    }

    const down = await busyWorld("retries-down", { duplicateRate: 0 }, 1);
    down.sandbox.setWebhookHandler(() => {
      throw new Error("still down");
    });
    await down.send();
    await down.sandbox.tick(5 * DAY);
    const byPayload = new Map<string, string[]>();
    for (const d of down.sandbox.deliveries)
      byPayload.set(JSON.stringify(d.payload), [...(byPayload.get(JSON.stringify(d.payload)) ?? []), d.at]);
    expect(byPayload.size).toBeGreaterThan(0);
    for (const times of byPayload.values()) {
      expect(times).toHaveLength(6);
      const gaps = times.slice(1).map((t, i) => Date.parse(t) - Date.parse(times[i] as string));
      expect(gaps).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 21_600_000]);
    }
  });

  it("records deliveries with no handler as such, and a handler set later gets later events", async () => {
    const { sandbox, send } = await busyWorld("no-handler", { duplicateRate: 0 }, 5);
    await send();
    await sandbox.tick(DAY / 24);
    const before = sandbox.deliveries.length;
    expect(before).toBeGreaterThan(0);
    expect(sandbox.deliveries.every((d) => d.outcome === "no_handler")).toBe(true);
    const got: unknown[] = [];
    sandbox.setWebhookHandler((_provider, payload) => void got.push(payload));
    await sandbox.tick(20 * DAY);
    expect(got.length).toBe(sandbox.deliveries.length - before);
    expect(got.length).toBeGreaterThan(0);
  });
});
