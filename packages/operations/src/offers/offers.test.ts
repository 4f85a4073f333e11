import { errorCodeOf, ValidationError } from "@offerlab/core";
import { GenerationError } from "@offerlab/copy";
import { messageTemplates, offers } from "@offerlab/db";
import { describe, expect, it } from "vitest";
import { baseOffer, copy, testEngines, useTestDb } from "../__tests__/world.js";
import { checkCreateOffer, createOffer } from "./create-offer.js";
import { editOffer } from "./edit-offer.js";
import { checkGenerateOffer, generateOffer } from "./generate-offer.js";
import { setOfferStatus } from "./set-offer-status.js";

const issuesOf = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!ValidationError.isInstance(e)) throw new Error(`expected a ValidationError, got ${String(e)}`);
  return { subject: e.subject, issues: e.issues };
};

describe("checkCreateOffer and checkGenerateOffer (no database)", () => {
  it("names each wrong field, and lints copy before anything is written", () => {
    expect(() => checkCreateOffer({ offer: { name: "X", type: "gadget", ownership: "internal", description: "d" } })).toThrow(
      /type: must be one of/,
    );
    const bad = { ...baseOffer, name: "Bad copy", linkedin_templates: { connection_request: "Hi {{first_name", follow_up_dm: "ok" } };
    const e = (() => {
      try {
        checkCreateOffer({ offer: bad });
      } catch (error) {
        return error;
      }
    })();
    expect(ValidationError.isInstance(e) && e.subject).toBe("offer copy");
    expect(ValidationError.isInstance(e) && e.issues[0]!.field).toBe("linkedin_templates.connection_request");
    expect(checkCreateOffer({ offer: { ...baseOffer, name: "Fine" } }).name).toBe("Fine");
  });

  it("defaults type and ownership, requires a client's name, and refuses a request for no copy", () => {
    expect(checkGenerateOffer({ offer: { name: "AI Coach", description: "d" } })).toMatchObject({
      slug: "ai-coach",
      emailSteps: 3,
      linkedin: ["connection_request", "follow_up_dm"],
      offer: { type: "product", ownership: "internal" },
    });
    expect(() => checkGenerateOffer({ offer: { name: "C", description: "d", ownership: "client" } })).toThrow(/client_name: is required/);
    expect(() => checkGenerateOffer({ offer: { name: "C", description: "d" }, emailSteps: 0, linkedin: [] })).toThrow(/nothing to write/);
    expect(() => checkGenerateOffer({ offer: { name: "C", description: "d" }, emailSteps: 11 })).toThrow(
      /emailSteps: must be a whole number from 0 to 10/,
    );
  });
});

describe.each(testEngines())("offer operations on %s", (engine) => {
  const t = useTestDb(engine);

  it("creates an offer with draft templates from its copy; refused copy writes nothing; ifNotExists leaves an existing offer unchanged", async () => {
    const created = await createOffer(t, { offer: { ...baseOffer, name: "Ramp Coach", ...copy } });
    expect(created.created).toBe(true);
    expect(created.offer).toMatchObject({ slug: "ramp-coach", status: "draft" });
    expect(created.templates.map((x) => x.status)).toEqual(["draft", "draft", "draft", "draft"]);

    const broken = {
      ...baseOffer,
      name: "Broken",
      email_templates: { sequence: [{ step: 1, subject: "Hi", body: "Hi {{first_name", delay_days: 0 }] },
    };
    expect((await issuesOf(createOffer(t, { offer: broken }))).subject).toBe("offer copy");
    expect(await offers.get(t.db, "broken")).toBeUndefined();

    const again = await createOffer(t, { offer: { ...baseOffer, name: "Ramp Coach", description: "changed" }, ifNotExists: true });
    expect(again).toMatchObject({ created: false, offer: { id: created.offer.id, description: baseOffer.description }, templates: [] });
    expect((await issuesOf(createOffer(t, { offer: { ...baseOffer, name: "Ramp Coach" } }))).issues[0]).toMatchObject({ field: "slug" });
  });

  it("edits an offer, re-drafting changed copy; a patch with broken copy changes nothing", async () => {
    const { offer } = await createOffer(t, { offer: { ...baseOffer, name: "Edit Me", ...copy } });
    const before = await messageTemplates.list(t.db, { offerId: offer.id });
    await expect(editOffer(t, { offer: offer.slug!, patch: {} })).rejects.toThrow(/nothing to change/);
    const bad = await issuesOf(
      editOffer(t, {
        offer: offer.slug!,
        patch: { price_range: "high", linkedin_templates: { connection_request: "{{oops", follow_up_dm: "ok" } },
      }),
    );
    expect(bad.subject).toBe("offer copy");
    expect((await offers.get(t.db, offer.id))!.price_range).toBeNull();
    expect(await messageTemplates.list(t.db, { offerId: offer.id })).toEqual(before);

    const edited = await editOffer(t, {
      offer: offer.slug!,
      patch: { price_range: "high", linkedin_templates: { ...copy.linkedin_templates, follow_up_dm: "Thanks, {{first_name|there}}!" } },
    });
    expect(edited.changed).toEqual(["price_range", "linkedin_templates"]);
    expect(edited.offer.price_range).toBe("high");
    expect(edited.templates).toMatchObject({ kept: 3, archived: 1 });
    expect(edited.templates.created.map((x) => x.body)).toEqual(["Thanks, {{first_name|there}}!"]);
  });

  it("moves an offer by its lifecycle, naming the status field when the status is unknown or the move is refused", async () => {
    const { offer, templates } = await createOffer(t, { offer: { ...baseOffer, name: "Status Offer", ...copy } });
    expect((await issuesOf(setOfferStatus(t, { offer: offer.id, status: "launched" }))).issues[0]).toMatchObject({
      field: "status",
      message: expect.stringMatching(/must be one of .*got "launched"/),
    });
    expect((await issuesOf(setOfferStatus(t, { offer: offer.id, status: "ready" }))).issues.map((i) => i.field)).toEqual(["templates"]);
    expect((await offers.get(t.db, offer.id))!.status).toBe("draft");
    await messageTemplates.setStatus(
      t.db,
      templates.map((x) => x.id),
      "approved",
    );
    expect(await setOfferStatus(t, { offer: offer.slug!, status: "ready" })).toMatchObject({
      previous: "draft",
      offer: { status: "ready" },
      activeCampaigns: 0,
    });
  });

  it("generates copy only after the checks: a taken slug is refused before any model call, and a model that is not configured writes nothing", async () => {
    await createOffer(t, { offer: { ...baseOffer, name: "Taken" } });
    // No model is configured: reaching it would fail with a GenerationError, not this.
    const taken = await issuesOf(generateOffer({ db: t.db, llm: { env: {} } }, { offer: { name: "Taken", description: "d" } }));
    expect(taken.issues[0]).toMatchObject({ field: "slug", message: expect.stringMatching(/already used/) });
    const steps: string[] = [];
    const failed = await generateOffer(
      { db: t.db, llm: { env: {} } },
      { offer: { name: "Fresh", description: "d" }, onStep: (s) => steps.push(s) },
    ).catch((e: unknown) => e);
    expect(GenerationError.isInstance(failed) && failed.kind).toBe("not_configured");
    expect(steps).toEqual(["Generating the positioning canvas"]);
    expect(await offers.get(t.db, "fresh")).toBeUndefined();
    const noDb = await generateOffer({ llm: { env: {} } }, { offer: { name: "No db", description: "d" } }).catch((e: unknown) => e);
    expect((noDb as Error).message).toMatch(/pass ctx.db/);
    expect(errorCodeOf(noDb)).toBe("invalid_usage");
  });
});
