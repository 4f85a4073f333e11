import { createOpenAI } from "@ai-sdk/openai";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GenerationError } from "./errors.js";
import { deriveIcp, generatePositioning, generateTemplates } from "./generate.js";
import { isLlmConfigured, resolveModel } from "./llm.js";
import { canvas, canvasWithBadTotal, emailTemplates, icp, linkedInTemplates, offer } from "./testing/fixtures.js";
import { createLlmMock } from "./testing/llm-msw.js";

const llm = createLlmMock();
const server = setupServer(...llm.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  const pending = llm.pending;
  llm.reset();
  expect(pending, "scripted replies left unused").toBe(0);
});
afterAll(() => server.close());

const anthropicEnv = { OFFERLAB_LLM: "anthropic:claude-sonnet-4-5", ANTHROPIC_API_KEY: "sk-ant-test" };
const openaiEnv = { OFFERLAB_LLM: "openai:gpt-4.1-mini", OPENAI_API_KEY: "sk-test" };

async function rejection(promise: Promise<unknown>): Promise<GenerationError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(GenerationError.isInstance(error)).toBe(true);
  return error as GenerationError;
}

function lastUserText(body: Record<string, unknown>): string {
  // Anthropic sends `messages`; OpenAI Responses sends `input` items with `input_text` parts.
  const messages = (body.messages ?? body.input) as Array<{ role: string; content: Array<{ text?: string }> | string }>;
  const last = messages.at(-1);
  return typeof last?.content === "string" ? last.content : (last?.content ?? []).map((c) => c.text ?? "").join("");
}

describe("model configuration", () => {
  it("names what to set when nothing is configured, before any request", async () => {
    const error = await rejection(generatePositioning(offer, { env: {} }));
    expect(error.kind).toBe("not_configured");
    expect(error.message).toContain("OFFERLAB_LLM");
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(error.message).toContain("OPENAI_API_KEY");
    expect(llm.requests).toHaveLength(0);
    expect(isLlmConfigured({ env: {} })).toBe(false);
  });

  it("names the missing key for the chosen provider", async () => {
    const error = await rejection(generatePositioning(offer, { env: { OFFERLAB_LLM: "openai:gpt-4.1-mini" } }));
    expect(error.kind).toBe("not_configured");
    expect(error.message).toBe("[copy] missing apiKey for openai:gpt-4.1-mini: pass { apiKey } or set OPENAI_API_KEY");
  });

  it("rejects a malformed OFFERLAB_LLM with an example", () => {
    expect(() => resolveModel({ env: { OFFERLAB_LLM: "gpt-4o" } })).toThrow(/expected anthropic:<model> or openai:<model>/);
    expect(() => resolveModel({ env: { OFFERLAB_LLM: "mistral:large" } })).toThrow(/OFFERLAB_LLM="mistral:large"/);
  });

  it("accepts an injected LanguageModel without any env", async () => {
    llm.reply({ json: canvas });
    const model = createOpenAI({ apiKey: "sk-injected" })("gpt-4.1-mini");
    await expect(generatePositioning(offer, { model, env: {} })).resolves.toEqual(canvas);
    expect(llm.requests[0]?.headers.get("authorization")).toBe("Bearer sk-injected");
  });

  it("routes through an injected fetch", async () => {
    llm.reply({ json: canvas });
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return globalThis.fetch(input, init);
    };
    await generatePositioning(offer, { env: anthropicEnv, fetch });
    expect(seen).toEqual(["https://api.anthropic.com/v1/messages"]);
  });
});

describe("generatePositioning over the Anthropic Messages API", () => {
  it("sends the offer with a JSON schema and returns the validated canvas", async () => {
    llm.reply({ json: canvas });
    await expect(generatePositioning(offer, { env: anthropicEnv })).resolves.toEqual(canvas);
    const [request] = llm.requests;
    expect(request?.provider).toBe("anthropic");
    expect(request?.headers.get("x-api-key")).toBe("sk-ant-test");
    expect(request?.headers.get("anthropic-version")).toBe("2023-06-01");
    expect(request?.body.model).toBe("claude-sonnet-4-5");
    expect(request?.body.output_config).toMatchObject({ format: { type: "json_schema" } });
    const schema = (request?.body.output_config as { format: { schema: { properties: Record<string, unknown> } } }).format.schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["category", "problem", "symptoms", "signal_stacks"]));
    expect(JSON.stringify(request?.body.system)).toContain("positioning canvas");
    expect(lastUserText(request?.body ?? {})).toContain("AI role-play partner");
  });

  it("uses the forced json tool on models without native structured output", async () => {
    llm.reply({ json: canvas });
    const env = { ...anthropicEnv, OFFERLAB_LLM: "anthropic:claude-sonnet-4-0" };
    await expect(generatePositioning(offer, { env })).resolves.toEqual(canvas);
    const body = llm.requests[0]?.body ?? {};
    expect(body.tools).toEqual([expect.objectContaining({ name: "json" })]);
    expect(body.tool_choice).toMatchObject({ type: "any" });
  });

  it("repairs malformed output, then output that fails validation, with the errors fed back", async () => {
    llm.reply({ text: "Sure! Here is the canvas: {category: ..." }, { json: canvasWithBadTotal }, { json: canvas });
    await expect(generatePositioning(offer, { env: anthropicEnv })).resolves.toEqual(canvas);
    expect(llm.requests).toHaveLength(3);
    const second = llm.requests[1]?.body ?? {};
    expect(lastUserText(second)).toMatch(/not valid JSON/);
    const messages = second.messages as Array<{ role: string }>;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(lastUserText(llm.requests[2]?.body ?? {})).toContain("symptoms.0.score.total: score.total must be 19");
  });

  it("fails with the validation errors after the bounded attempts, never with half-valid output", async () => {
    llm.reply({ json: canvasWithBadTotal }, { json: canvasWithBadTotal });
    const error = await rejection(generatePositioning(offer, { env: anthropicEnv, maxAttempts: 2 }));
    expect(error.kind).toBe("invalid_output");
    expect(error.attempts).toBe(2);
    expect(error.issues).toEqual([
      { field: "symptoms.0.score.total", message: "score.total must be 19 (detectable + relevant + timely + specific), got 20" },
    ]);
    expect(llm.requests).toHaveLength(2);
  });

  it("applies checks beyond the schema: a canvas without signal stacks is repaired", async () => {
    llm.reply({ json: { ...canvas, signal_stacks: [] } }, { json: canvas });
    await expect(generatePositioning(offer, { env: anthropicEnv })).resolves.toEqual(canvas);
    expect(lastUserText(llm.requests[1]?.body ?? {})).toContain("signal_stacks: name at least one signal stack");
  });

  it("stops at a refusal without retrying", async () => {
    llm.reply({ refusal: "I can't help with that request." });
    const error = await rejection(generatePositioning(offer, { env: anthropicEnv }));
    expect(error.kind).toBe("refused");
    expect(error.message).toContain("I can't help with that request.");
    expect(llm.requests).toHaveLength(1);
  });

  it("stops at a refusal with no content", async () => {
    llm.reply({ refusal: "" });
    expect((await rejection(generatePositioning(offer, { env: anthropicEnv }))).kind).toBe("refused");
  });

  it("retries a 429 honouring retry-after, then succeeds", async () => {
    llm.reply({ status: 429, retryAfter: "0" }, { json: canvas });
    await expect(generatePositioning(offer, { env: anthropicEnv })).resolves.toEqual(canvas);
    expect(llm.requests).toHaveLength(2);
  });

  it("reports a persistent 429 as rate_limited with the provider's retry-after", async () => {
    llm.reply({ status: 429, retryAfter: "7" });
    const error = await rejection(generatePositioning(offer, { env: anthropicEnv, maxRetries: 0 }));
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAfterMs).toBe(7000);
    expect(error.statusCode).toBe(429);
  });

  it("reports a rejected key as auth", async () => {
    llm.reply({ status: 401 });
    const error = await rejection(generatePositioning(offer, { env: anthropicEnv }));
    expect(error.kind).toBe("auth");
    expect(llm.requests).toHaveLength(1);
  });
});

describe("generation over the OpenAI Responses API", () => {
  it("sends a non-strict json_schema text format and returns the canvas", async () => {
    llm.reply({ json: canvas });
    await expect(generatePositioning(offer, { env: openaiEnv })).resolves.toEqual(canvas);
    const [request] = llm.requests;
    expect(request?.provider).toBe("openai");
    expect(request?.headers.get("authorization")).toBe("Bearer sk-test");
    expect(request?.body.model).toBe("gpt-4.1-mini");
    expect(request?.body.text).toMatchObject({ format: { type: "json_schema", strict: false, name: "positioning_canvas" } });
  });

  it("stops at a refusal content part", async () => {
    llm.reply({ refusal: "I'm sorry, but I cannot assist with that request." });
    const error = await rejection(generatePositioning(offer, { env: openaiEnv }));
    expect(error.kind).toBe("refused");
    expect(error.rawText).toBe("I'm sorry, but I cannot assist with that request.");
  });

  it("retries malformed JSON, then a 429, then succeeds", async () => {
    llm.reply({ text: '{"company": {"verticals": ["saas"]' }, { status: 429, retryAfter: "0" }, { json: icp });
    await expect(deriveIcp(canvas, { env: openaiEnv })).resolves.toEqual(icp);
    expect(llm.requests).toHaveLength(3);
  });

  it("maps a persistent 500 to an api error", async () => {
    llm.reply({ status: 500 });
    const error = await rejection(deriveIcp(canvas, { env: openaiEnv, maxRetries: 0 }));
    expect(error.kind).toBe("api");
    expect(error.statusCode).toBe(500);
  });
});

describe("deriveIcp", () => {
  it("sends the canvas and repairs size_min > size_max", async () => {
    llm.reply({ json: { ...icp, company: { ...icp.company, size_min: 500, size_max: 50 } } }, { json: icp });
    await expect(deriveIcp(canvas, { env: anthropicEnv })).resolves.toEqual(icp);
    expect(lastUserText(llm.requests[0]?.body ?? {})).toContain("Rapid Scaling Stack");
    expect(lastUserText(llm.requests[1]?.body ?? {})).toContain("company.size_max: size_max (50) must be at least size_min (500)");
  });
});

describe("generateTemplates", () => {
  it("writes an email sequence with the requested number of steps", async () => {
    llm.reply({ json: emailTemplates });
    await expect(generateTemplates(offer, canvas, icp, { channel: "email", steps: 3 }, { env: anthropicEnv })).resolves.toEqual(
      emailTemplates,
    );
    expect(lastUserText(llm.requests[0]?.body ?? {})).toContain("exactly 3 step(s)");
  });

  it("repairs a sequence with the wrong length, unknown variables and links", async () => {
    const bad = {
      sequence: [{ ...emailTemplates.sequence[0], body: "Hi {{firstname}}, see https://example.com" }, emailTemplates.sequence[1]],
    };
    llm.reply({ json: bad }, { json: emailTemplates });
    await generateTemplates(offer, canvas, icp, { channel: "email", steps: 3 }, { env: anthropicEnv });
    const repair = lastUserText(llm.requests[1]?.body ?? {});
    expect(repair).toContain("sequence: write exactly 3 step(s), not 2");
    expect(repair).toContain("sequence.0.body: body: {{firstname}} is not a contact");
    expect(repair).toContain("contains a link");
  });

  it("writes LinkedIn templates and repairs a note that cannot fit 300 characters", async () => {
    // 287 characters as written, about 321 once three variables are filled in.
    const long = { ...linkedInTemplates, connection_request: `${"x".repeat(260)} {{title}}{{title}}{{title}}` };
    llm.reply({ json: long }, { json: linkedInTemplates });
    await expect(generateTemplates(offer, canvas, icp, { channel: "linkedin" }, { env: openaiEnv })).resolves.toEqual(linkedInTemplates);
    expect(lastUserText(llm.requests[1]?.body ?? {})).toMatch(
      /connection_request: with names filled in the note would be about \d+ characters/,
    );
  });

  it("fails with the schema's own error when the note stays over 300 characters", async () => {
    const tooLong = { connection_request: "y".repeat(301) };
    llm.reply({ json: tooLong }, { json: tooLong });
    const error = await rejection(
      generateTemplates(offer, canvas, icp, { channel: "linkedin", steps: ["connection_request"] }, { env: openaiEnv, maxAttempts: 2 }),
    );
    expect(error.kind).toBe("invalid_output");
    expect(error.issues[0]?.field).toBe("connection_request");
    expect(error.issues[0]?.message).toContain("300");
  });

  it("asks again for a requested template that is missing", async () => {
    llm.reply({ json: { follow_up_dm: linkedInTemplates.follow_up_dm } }, { json: linkedInTemplates });
    await generateTemplates(offer, canvas, icp, { channel: "linkedin" }, { env: anthropicEnv });
    expect(lastUserText(llm.requests[1]?.body ?? {})).toContain("connection_request: this template was asked for and is missing");
  });

  it("rejects a bad request before calling the model", async () => {
    await expect(generateTemplates(offer, canvas, icp, { channel: "email", steps: 0 }, { env: anthropicEnv })).rejects.toThrow(RangeError);
    expect(llm.requests).toHaveLength(0);
  });
});

describe("the README's /new-offer flow", () => {
  it("goes from a three-line offer to canvas, ICP, email and LinkedIn copy with a configured model", async () => {
    llm.reply({ json: canvas }, { json: icp }, { json: emailTemplates }, { json: linkedInTemplates });
    const options = { env: anthropicEnv };
    const positioning = await generatePositioning(offer, options);
    const derived = await deriveIcp(positioning, options);
    const emails = await generateTemplates(offer, positioning, derived, { channel: "email", steps: 3 }, options);
    const linkedin = await generateTemplates(offer, positioning, derived, { channel: "linkedin" }, options);
    expect(offer.description.split("\n")).toHaveLength(3);
    expect([positioning, derived, emails, linkedin]).toEqual([canvas, icp, emailTemplates, linkedInTemplates]);
    expect(llm.requests.map((r) => (r.body.output_config as { format: { type: string } }).format.type)).toEqual([
      "json_schema",
      "json_schema",
      "json_schema",
      "json_schema",
    ]);
  });
});
