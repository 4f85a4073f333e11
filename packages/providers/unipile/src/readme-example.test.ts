// Keeps the README example honest: the same steps, run against the fake.
import { setupServer } from "msw/node";
import { expect, it } from "vitest";
import { createUnipile, isReply, parseUnipileWebhook, toProviderEvent } from "./index.js";
import { createUnipileMock } from "./msw.js";

it("runs the README example", async () => {
  const fake = createUnipileMock();
  const server = setupServer(...fake.handlers);
  server.listen({ onUnhandledRequest: "error" });
  try {
    const unipile = createUnipile({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const [linkedin] = (await unipile.listAccounts()).items;
    const jane = await unipile.resolveProfile(linkedin!.id, "https://www.linkedin.com/in/jane-doe");
    await unipile.sendInvitation({ accountId: linkedin!.id, providerId: jane.providerId, note: "Hi Jane!" });
    const { newRelation, noteEcho } = fake.acceptInvitation(jane.providerId);
    expect(toProviderEvent(parseUnipileWebhook(newRelation)).type).toBe("invitation_accepted");
    expect(isReply(toProviderEvent(parseUnipileWebhook(noteEcho!)))).toBe(false);
  } finally {
    server.close();
  }
});
