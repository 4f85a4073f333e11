// Keeps the README example honest: the same steps, with assertions instead of logs.
import { parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import { expect, it } from "vitest";
import { createSandbox, isSandboxEnabled, SANDBOX_BANNER } from "./index.js";

it("runs the README example", async () => {
  expect(isSandboxEnabled({ OFFERLAB_SANDBOX: "1" }, [])).toBe(true);
  expect(SANDBOX_BANNER).toMatch(/^\[SANDBOX\]/);

  const sandbox = createSandbox({ seed: "demo" });
  const { exa, parallel, unipile } = sandbox.providers();

  const seen = new Set<string>();
  const types: string[] = [];
  sandbox.setWebhookHandler((_provider, payload) => {
    const event = toProviderEvent(parseUnipileWebhook(payload));
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    types.push(event.type);
  });

  const { companies } = await exa.searchCompanies({ query: "fintech companies hiring sales reps", limit: 3 });
  const linkedin = (await unipile.listAccounts()).items.find((a) => a.type === "linkedin")!;
  let invited = 0;
  for (const company of companies) {
    const { people } = await parallel.searchPeople({ company: { name: company.name, domain: company.domain ?? undefined } });
    for (const person of people.slice(0, 2)) {
      const profile = await unipile.resolveProfile(linkedin.id, person.linkedin_url!);
      if (!profile.isConnection) {
        await unipile.sendInvitation({ accountId: linkedin.id, providerId: profile.providerId, note: "Hi, glad to connect." });
        invited++;
      }
    }
  }
  expect(invited).toBeGreaterThan(0);

  await sandbox.tick(14 * 24 * 3_600_000);
  const accepted = sandbox.outcomes.filter((o) => o.kind === "accepted").length;
  expect(accepted).toBeGreaterThan(0);
  expect(types.filter((t) => t === "invitation_accepted").length).toBeLessThanOrEqual(accepted);
  expect(types).toContain("invitation_accepted");
  expect(JSON.parse(sandbox.journalJsonl().split("\n")[0] as string)).toMatchObject({
    seq: 1,
    at: "2026-03-02T08:00:00.000Z",
    provider: "exa",
  });
});
