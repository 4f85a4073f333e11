import { isReply, parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import type { ProviderEvent, SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { createSandbox, DEFAULT_SANDBOX_RATES, REPLY_TEXTS_FOR_TESTS } from "./__tests__/fixtures.js";
import type { SandboxPerson, SandboxRates } from "./index.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A sandbox whose webhooks are parsed with Unipile's own parsers, as the webhooks app does. */
async function linkedInWorld(seed: string, rates: Partial<SandboxRates> = {}) {
  const sandbox = createSandbox({ seed, rates, world: { companies: 120 } });
  const p = sandbox.providers();
  const accounts = (await p.unipile.listAccounts()).items;
  const self = new Map(accounts.map((a) => [a.id, a]));
  const events: { at: number; event: ProviderEvent }[] = [];
  sandbox.setWebhookHandler((_provider, payload) => {
    events.push({
      at: sandbox.clock.now().getTime(),
      event: toProviderEvent(parseUnipileWebhook(payload), { selfProviderId: (id) => self.get(id)?.linkedinProviderId }),
    });
  });
  const linkedin = accounts.filter((a): a is SendingAccount => a.type === "linkedin");
  return { sandbox, p, linkedin, events };
}

/** Invites `people` (spread over the LinkedIn accounts) at the sandbox's current time. */
async function invite(world: Awaited<ReturnType<typeof linkedInWorld>>, people: SandboxPerson[], note?: string) {
  let i = 0;
  for (const person of people) {
    const account = world.linkedin[i++ % world.linkedin.length] as SendingAccount;
    await world.p.unipile.sendInvitation({ accountId: account.id, providerId: person.provider_id, ...(note ? { note } : {}) });
  }
}

const secondDegree = (sandbox: ReturnType<typeof createSandbox>, n: number) =>
  sandbox.world.people.filter((p) => p.degree === 2).slice(0, n);

describe("invitations", () => {
  it("with rate 0 nobody accepts; with rate 1 everybody does, within the late-acceptance window", async () => {
    const none = await linkedInWorld("inv-rates", { acceptRate: 0 });
    await invite(none, secondDegree(none.sandbox, 120));
    await none.sandbox.tick(40 * DAY);
    expect(none.sandbox.outcomes.filter((o) => o.kind === "accepted")).toHaveLength(0);
    expect(none.events.filter((e) => e.event.type === "invitation_accepted")).toHaveLength(0);

    const all = await linkedInWorld("inv-rates", { acceptRate: 1 });
    const people = all.sandbox.world.people.filter((p) => p.degree === 2 || p.degree === 3).slice(0, 150);
    await invite(all, people);
    await all.sandbox.tick(30 * DAY);
    const accepted = all.sandbox.outcomes.filter((o) => o.kind === "accepted");
    expect(new Set(accepted.map((o) => o.personId))).toEqual(new Set(people.map((p) => p.id)));
  });

  it("a moderate rate accepts roughly that share, and a higher rate accepts more of the same invitations", async () => {
    const shareAt = async (acceptRate: number) => {
      const w = await linkedInWorld("inv-moderate", { acceptRate });
      await invite(w, secondDegree(w.sandbox, 160));
      await w.sandbox.tick(40 * DAY);
      return w.sandbox.outcomes.filter((o) => o.kind === "accepted").length / 160;
    };
    const base = await shareAt(DEFAULT_SANDBOX_RATES.acceptRate);
    expect(base).toBeGreaterThan(0.2);
    expect(base).toBeLessThan(0.5);
    const high = await shareAt(0.7);
    expect(high).toBeGreaterThan(base + 0.15);
    expect(high).toBeLessThan(0.9);
  });

  it("accepts after a delay (median about a day), some of them weeks late, and Unipile reports each through webhooks", async () => {
    const w = await linkedInWorld("inv-delays", { acceptRate: 1 });
    const start = w.sandbox.clock.now().getTime();
    const people = secondDegree(w.sandbox, 150);
    await invite(w, people, "Hi, glad to connect.");
    expect(w.sandbox.nextEventAt()?.getTime()).toBeGreaterThan(start);
    await w.sandbox.tick(35 * DAY);

    const delays = w.sandbox.outcomes.filter((o) => o.kind === "accepted").map((o) => Date.parse(o.at) - start);
    expect(delays).toHaveLength(150);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10 * 60_000);
    const sorted = [...delays].sort((a, b) => a - b);
    const median = (sorted[75] as number) / HOUR;
    expect(median).toBeGreaterThan(8);
    expect(median).toBeLessThan(48);
    const late = delays.filter((d) => d >= 10 * DAY).length / delays.length;
    expect(late).toBeGreaterThan(0.04);
    expect(late).toBeLessThan(0.25);

    // new_relation for each acceptance, at most ~8 h after it (Unipile polls LinkedIn), for the person invited.
    const relations = w.events.filter((e) => e.event.type === "invitation_accepted");
    const byPerson = new Map(people.map((p) => [p.provider_id, p]));
    expect(new Set(relations.map((e) => (e.event.type === "invitation_accepted" ? e.event.providerId : "")))).toEqual(
      new Set(byPerson.keys()),
    );
    for (const r of relations) {
      const e = r.event;
      if (e.type !== "invitation_accepted") continue;
      const acceptedAt = Date.parse(
        w.sandbox.outcomes.find((o) => o.kind === "accepted" && o.personId === byPerson.get(e.providerId)?.id)?.at ?? "",
      );
      expect(r.at - acceptedAt).toBeGreaterThanOrEqual(0);
      expect(r.at - acceptedAt).toBeLessThanOrEqual(8 * HOUR);
    }
    // The note comes back as our own message in the new chat: never a reply.
    const echoes = w.events.filter((e) => e.event.type === "message_received");
    expect(echoes.length).toBeGreaterThanOrEqual(150);
    expect(echoes.every((e) => e.event.type === "message_received" && e.event.message.direction === "outbound" && !isReply(e.event))).toBe(
      true,
    );
  });

  it("an invitation withdrawn before the person acts is never accepted", async () => {
    const w = await linkedInWorld("inv-withdrawn", { acceptRate: 1, lateAcceptanceShare: 0 });
    const [person] = secondDegree(w.sandbox, 1) as [SandboxPerson];
    const account = w.linkedin[0] as SendingAccount;
    await w.p.unipile.sendInvitation({ accountId: account.id, providerId: person.provider_id });
    const sent = (await w.p.unipile.listSentInvitations({ accountId: account.id })).items;
    expect(sent).toHaveLength(1);
    await w.p.unipile.cancelInvitation({ accountId: account.id, invitationId: sent[0]?.invitationId as string });
    await w.sandbox.tick(30 * DAY);
    expect(w.sandbox.outcomes.filter((o) => o.kind === "accepted")).toHaveLength(0);
  });
});

describe("LinkedIn messages", () => {
  it("connected people reply to DMs with every kind of text, as inbound message_received events", async () => {
    const w = await linkedInWorld("dm-replies", { acceptRate: 1, dmReplyRate: 0.6 });
    const people = secondDegree(w.sandbox, 160);
    await invite(w, people);
    await w.sandbox.tick(30 * DAY);
    for (const person of people) {
      const accepted = w.sandbox.outcomes.find((o) => o.kind === "accepted" && o.personId === person.id);
      await w.p.unipile.startChat({
        accountId: accepted?.accountId as string,
        recipientProviderIds: [person.provider_id],
        text: "Thanks for connecting. How do you ramp new reps?",
      });
    }
    await w.sandbox.tick(20 * DAY);
    const replies = w.sandbox.outcomes.filter((o) => o.kind === "replied" && o.channel === "linkedin");
    expect(replies.length).toBeGreaterThan(40);
    expect(new Set(replies.map((o) => o.reply))).toEqual(new Set(["positive", "negative", "question", "ooo", "unsubscribe"]));
    // One reply per person at most.
    expect(new Set(replies.map((o) => o.personId)).size).toBe(replies.length);
    const inbound = w.events.map((e) => e.event).filter((e) => e.type === "message_received" && isReply(e));
    // Unipile delivers at least once: duplicates share the event id the receiver dedupes on.
    expect(new Set(inbound.map((e) => e.eventId)).size).toBe(replies.length);
    const texts = Object.values(REPLY_TEXTS_FOR_TESTS).flat();
    for (const e of inbound) {
      if (e.type !== "message_received") continue;
      expect(people.map((p) => p.provider_id)).toContain(e.message.from);
      expect(texts.some((t) => t.split("{date}")[0] === (e.message.text ?? "").slice(0, t.split("{date}")[0]?.length))).toBe(true);
    }
  });
});

describe("known copy effects (copyEffects)", () => {
  it("people whose note carries the marked copy accept more often; the others about as often as without it", async () => {
    const run = async (copyEffects: { contains: string; multiplier: number }[]) => {
      const sandbox = createSandbox({ seed: "copy-effects", rates: { acceptRate: 0.2 }, world: { companies: 120 }, copyEffects });
      const p = sandbox.providers();
      const linkedin = (await p.unipile.listAccounts()).items.filter((a): a is SendingAccount => a.type === "linkedin");
      const people = secondDegree(sandbox, 160);
      for (const [i, person] of people.entries()) {
        const note = i % 2 === 0 ? "Hi, plain note." : "Hi, the MARKED note.";
        await p.unipile.sendInvitation({ accountId: linkedin[i % linkedin.length]!.id, providerId: person.provider_id, note });
      }
      await sandbox.tick(40 * DAY);
      const accepted = new Set(sandbox.outcomes.filter((o) => o.kind === "accepted").map((o) => o.personId));
      const marked = people
        .filter((_, i) => i % 2 === 1)
        .filter((x) => accepted.has(x.id))
        .map((x) => x.id);
      const plain = people
        .filter((_, i) => i % 2 === 0)
        .filter((x) => accepted.has(x.id))
        .map((x) => x.id);
      return { marked, plain };
    };
    const without = await run([]);
    const withEffect = await run([{ contains: "MARKED", multiplier: 3 }]);
    // Without the effect both halves accept alike; with it the marked half clearly more. (The draws
    // are shared, so the plain half's acceptances move a little, not its rate.)
    expect(Math.abs(without.marked.length - without.plain.length)).toBeLessThanOrEqual(8);
    expect(Math.abs(withEffect.plain.length - without.plain.length)).toBeLessThanOrEqual(6);
    expect(withEffect.marked.length).toBeGreaterThan(1.5 * withEffect.plain.length);
    console.log(
      `copyEffects x3: marked ${withEffect.marked.length}/80 accepted, plain ${withEffect.plain.length}/80 (without: ${without.marked.length}, ${without.plain.length})`,
    );
    expect(() => createSandbox({ seed: "x", copyEffects: [{ contains: "", multiplier: 2 }] })).toThrow(/copyEffects/);
  }, 60_000);
});
