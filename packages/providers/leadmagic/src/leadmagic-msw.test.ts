import { getResponse } from "msw";
import { describe, expect, it } from "vitest";
import { createLeadMagicMock } from "./msw.js";

describe("createLeadMagicMock ids and clock", () => {
  it("draws its error bodies' request ids and times from the sources it is given (the sandbox's seeded ids and simulated clock)", async () => {
    const at = new Date("2026-03-02T08:00:00.000Z");
    const seeded = createLeadMagicMock({
      baseUrl: "https://leadmagic.seeded.test",
      randomUUID: () => "0123abcd-4567-4890-8abc-def012345678",
      now: () => at,
    });
    seeded.fail("rate_limited_retry_after", { times: 1 });
    const res = await getResponse(
      seeded.handlers,
      new Request("https://leadmagic.seeded.test/v1/credits", { headers: { "X-API-Key": "test-leadmagic-key" } }),
    );
    expect(res!.status).toBe(429);
    const body = (await res!.json()) as { meta: unknown; errors: { context: { reset_at: number } }[] };
    expect(body.meta).toEqual({ request_id: "0123abcd-4567-4890-8abc-def012345678", timestamp: at.toISOString() });
    expect(body.errors[0]!.context.reset_at).toBe(at.getTime() / 1000 + 7);
  });
});
