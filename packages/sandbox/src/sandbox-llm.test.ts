import { EmailTemplates, Icp, LINKEDIN_NOTE_MAX, LinkedInTemplates, PositioningCanvas, replySentiments } from "@offerlab/core";
import { generateText, Output, streamText } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createSandbox, createSandboxLlm } from "./index.js";
import { REPLY_TEXTS_FOR_TESTS } from "./__tests__/fixtures.js";

// The calls below are shaped like @offerlab/copy's (generate.ts, reply.ts): generateText with a
// system prompt, the task in the first user message ("Offer: …\nDescription: …") and structured
// output named after the document, validated here with core's schemas.
const SALES = {
  name: "Quota Coach",
  description: "AI call coaching for sales teams at fintech companies. Ramps new sales reps in half the time.",
};
const FINANCE = {
  name: "Ledgerlight",
  description: "Automated month-end close for finance teams at healthtech startups. Cuts close time from 10 days to 3.",
};
const ReplyVerdict = z.object({ sentiment: z.enum(replySentiments), unsubscribe: z.boolean(), ooo_return_date: z.iso.date().nullable() });

async function ask<T>(model: ReturnType<typeof createSandboxLlm>["model"], name: string, prompt: string, schema: z.ZodType<T>): Promise<T> {
  const result = await generateText({
    model,
    system: "You are a B2B positioning strategist.",
    messages: [{ role: "user", content: prompt }],
    output: Output.object({ schema, name, description: name.replace(/_/g, " ") }),
  });
  // Validated twice: by the AI SDK against the schema, and here with core's parser itself.
  return schema.parse(result.output);
}

const offerText = (o: typeof SALES) => `Offer: ${o.name}\nDescription: ${o.description}`;
const copyFor = async (model: ReturnType<typeof createSandboxLlm>["model"], offer: typeof SALES) => {
  const canvas = await ask(model, "positioning_canvas", `${offerText(offer)}\n\nWrite the positioning canvas.`, PositioningCanvas);
  const icp = await ask(model, "icp", `Positioning canvas:\n${JSON.stringify(canvas, null, 2)}\n\nDerive the ICP.`, Icp);
  const context = `${offerText(offer)}\n\nPositioning canvas:\n${JSON.stringify(canvas, null, 2)}\n\nICP:\n${JSON.stringify(icp, null, 2)}`;
  const email = await ask(
    model,
    "email_templates",
    `${context}\n\nWrite an email sequence of exactly 4 step(s), numbered 1 to 4.`,
    EmailTemplates,
  );
  const linkedin = await ask(
    model,
    "linkedin_templates",
    `${context}\n\nWrite these LinkedIn templates (and only these keys):\n- connection_request: the note\n- inmail: an InMail`,
    LinkedInTemplates,
  );
  return { canvas, icp, email, linkedin };
};

describe("the simulated LLM", () => {
  it("writes a schema-valid positioning canvas, ICP and copy that are about the offer", async () => {
    const { model } = createSandboxLlm();
    const { canvas, icp, email, linkedin } = await copyFor(model, SALES);

    expect(canvas.category.name).toBe("Quota Coach");
    expect(canvas.positioning_statement).toContain("Quota Coach");
    expect(canvas.positioning_statement.toLowerCase()).toContain("fintech");
    expect(canvas.symptoms.length).toBeGreaterThan(0);
    for (const s of canvas.symptoms) expect(s.score.total).toBe(s.score.detectable + s.score.relevant + s.score.timely + s.score.specific);

    expect(icp.company.verticals).toContain("fintech");
    expect(icp.buyer.departments).toEqual(["Sales"]);
    expect(icp.buyer.titles).toContain("VP of Sales");

    expect(email.sequence.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(email.sequence[0]?.delay_days).toBe(0);
    expect(email.sequence.slice(1).every((s) => s.delay_days >= 1)).toBe(true);
    expect(email.sequence.some((s) => s.body.includes("Quota Coach"))).toBe(true);
    expect(Object.keys(linkedin).sort()).toEqual(["connection_request", "inmail"]);
    expect(linkedin.inmail).toContain("Quota Coach");
    // Room for names: each variable may grow by 20 characters and the note still fits.
    const note = linkedin.connection_request as string;
    const variables = note.match(/\{\{[^}]+\}\}/g) ?? [];
    expect(note.length - variables.join("").length + variables.length * 20).toBeLessThanOrEqual(LINKEDIN_NOTE_MAX);
    for (const text of [...email.sequence.flatMap((s) => [s.subject, s.body]), note, linkedin.inmail as string]) {
      expect(text).not.toMatch(/https?:\/\/|www\./);
      // Braces only as {{variables}} or {spin|tax}.
      expect(text.replace(/\{\{[a-z_.]+(\|[^{}]*)?\}\}/g, "").replace(/\{[^{}|]+(\|[^{}|]+)+\}/g, "")).not.toMatch(/[{}]/);
    }
  });

  it("writes different copy for a different offer, and the same copy for the same prompt", async () => {
    const { model, calls } = createSandboxLlm();
    const sales = await copyFor(model, SALES);
    const finance = await copyFor(model, FINANCE);
    expect(finance.canvas.category.name).toBe("Ledgerlight");
    expect(finance.icp.company.verticals).toEqual(["healthtech"]);
    expect(finance.icp.buyer.departments).toEqual(["Finance"]);
    expect(finance.email.sequence[0]?.body).not.toBe(sales.email.sequence[0]?.body);
    expect(finance.email.sequence.some((s) => s.body.includes("Ledgerlight"))).toBe(true);
    expect(calls.map((c) => c.task)).toEqual([
      ...["positioning_canvas", "icp", "email_templates", "linkedin_templates"],
      ...["positioning_canvas", "icp", "email_templates", "linkedin_templates"],
    ]);
    const again = await copyFor(createSandboxLlm().model, SALES);
    expect(again).toEqual(sales);
  });

  it("keeps spam words, links and stray braces of an offer's description out of the copy", async () => {
    const { model } = createSandboxLlm();
    const { canvas, email } = await copyFor(model, {
      name: "Brandwave",
      description: "Content marketing for B2B martech brands {now}!!! FREE trial, click here https://brandwave.example",
    });
    expect(canvas.category.name).toBe("Brandwave");
    const all = JSON.stringify(email);
    expect(all).not.toMatch(/free|click here|https?:|!!/i);
  });

  it("classifies every kind of reply the world sends", async () => {
    const { model } = createSandboxLlm();
    const expected = { positive: "positive", negative: "negative", question: "question", ooo: "ooo", unsubscribe: "negative" } as const;
    for (const [kind, texts] of Object.entries(REPLY_TEXTS_FOR_TESTS) as [keyof typeof expected, readonly string[]][]) {
      for (const template of texts) {
        const text = template.replace("{date}", "March 12");
        const verdict = await ask(model, "reply_classification", `Received: 2026-03-05\nReply:\n${text}`, ReplyVerdict);
        expect(verdict.sentiment, text).toBe(expected[kind]);
        expect(verdict.unsubscribe, text).toBe(kind === "unsubscribe");
        expect(verdict.ooo_return_date, text).toBe(kind === "ooo" ? "2026-03-12" : null);
      }
    }
  });

  it("streams the same answer it generates", async () => {
    const { model } = createSandboxLlm();
    const prompt = `${offerText(SALES)}\n\nWrite the positioning canvas.`;
    const generated = await generateText({
      model,
      messages: [{ role: "user", content: prompt }],
      output: Output.object({ schema: PositioningCanvas, name: "positioning_canvas" }),
    });
    const streamed = streamText({
      model,
      messages: [{ role: "user", content: prompt }],
      output: Output.object({ schema: PositioningCanvas, name: "positioning_canvas" }),
    });
    expect(await streamed.output).toEqual(generated.output);
  });

  it("feeds the ICP it derives to the sandbox's fit scoring, unless one was set", async () => {
    const sandbox = createSandbox({ seed: "llm-icp", world: { companies: 5 } });
    expect(sandbox.icp()).toBeUndefined();
    const canvas = await ask(
      sandbox.llm.model,
      "positioning_canvas",
      `${offerText(FINANCE)}\n\nWrite the positioning canvas.`,
      PositioningCanvas,
    );
    const icp = await ask(sandbox.llm.model, "icp", `Positioning canvas:\n${JSON.stringify(canvas)}\n\nDerive the ICP.`, Icp);
    expect(sandbox.icp()).toEqual(icp);
    const mine: Icp = {
      company: { verticals: ["logistics"], size_min: 1, size_max: 50, signals: [], disqualifiers: [] },
      buyer: { titles: ["CEO"], departments: [], seniority: ["C-Level"] },
    };
    sandbox.setIcp(mine);
    await ask(sandbox.llm.model, "icp", `Positioning canvas:\n${JSON.stringify(canvas)}\n\nDerive the ICP.`, Icp);
    expect(sandbox.icp()).toEqual(mine);
    sandbox.setIcp(undefined);
    expect(sandbox.icp()).toEqual(icp);
  });
});
