import { ValidationError } from "@offerlab/core";
import { messageTemplates } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { baseOffer, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { OperationError } from "../errors.js";
import { createOffer } from "../offers/create-offer.js";
import { approveTemplates } from "./approve-templates.js";

describe.each(testEngines())("approveTemplates on %s", (engine) => {
  const t = useTestDb(engine);

  it("approves every draft of an offer, or named ones, and says what was approved already", async () => {
    const { offer, templates } = await createOffer(t, { offer: { ...baseOffer, name: "Approve All", ...copy } });
    const one = await approveTemplates(t, { templates: [templates[0]!.id.slice(0, 8)] });
    expect(one.approved.map((x) => x.id)).toEqual([templates[0]!.id]);
    const rest = await approveTemplates(t, { offer: offer.slug! });
    expect(rest.approved.map((x) => x.id).sort()).toEqual(
      templates
        .slice(1)
        .map((x) => x.id)
        .sort(),
    );
    expect(rest.unchanged).toBe(0);
    expect((await approveTemplates(t, { templates: [templates[0]!.id] })).unchanged).toBe(1);
    const none = await approveTemplates(t, { offer: offer.id }).catch((e: unknown) => e);
    expect(OperationError.isInstance(none) && none.code).toBe("nothing_to_approve");
  });

  it("approves nothing when one of the templates has a lint error (the whole request is refused)", async () => {
    const { offer, templates } = await createOffer(t, { offer: { ...baseOffer, name: "Lint Gate", ...copy } });
    // A template whose body became impossible after it was saved (an empty body).
    await t.db.updateTable("message_templates").set({ body: "" }).where("id", "=", templates[1]!.id).execute();
    const refused = await approveTemplates(t, { offer: offer.id }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(refused) && refused.issues.map((i) => i.field)).toEqual([templates[1]!.id.slice(0, 8)]);
    expect((await messageTemplates.list(t.db, { offerId: offer.id, status: "approved" })).length).toBe(0);
  });

  it("refuses a request naming neither templates nor an offer, or both", async () => {
    await expect(approveTemplates(t, { templates: [] })).rejects.toThrow(/name templates to approve/);
    await expect(approveTemplates(t, { offer: "x", templates: ["y"] } as never)).rejects.toThrow(/not both/);
  });
});
