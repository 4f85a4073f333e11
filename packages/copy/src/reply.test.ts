import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extractReturnDate } from "./reply-dates.js";
import { classifyReply, classifyReplyByRules, stripQuotedReply } from "./reply.js";
import { createLlmMock } from "./testing/llm-msw.js";

// Wednesday 2025-03-05, 14:00 UTC.
const receivedAt = new Date("2025-03-05T14:00:00Z");

const table: Array<[text: string, sentiment: string, extra?: { unsubscribe?: boolean; ooo?: string | null }]> = [
  // positive
  ["Sounds interesting — happy to chat next week.", "positive"],
  ["Yes, let's talk. What times work for you on Thursday?", "positive"],
  ["I'd love to learn more. Can you send over a calendar invite?", "positive"],
  ["Interested. Send me some more info please", "positive"],
  ["We're actually looking at this right now, let's set up a call", "positive"],
  ["Sure, book a time here: calendly.com/ana", "positive"],
  ["Could be interested, tell me more.", "positive"],
  // negative
  ["Not interested, thanks.", "negative"],
  ["No thank you.", "negative"],
  ["We already use Gong for this.", "negative"],
  ["We're all set on training, appreciate it.", "negative"],
  ["Not a priority for us this year.", "negative"],
  ["I'll pass.", "negative"],
  ["Not a fit for us — we don't have an SDR team.", "negative"],
  // unsubscribe
  ["Please remove me from your list.", "negative", { unsubscribe: true }],
  ["unsubscribe", "negative", { unsubscribe: true }],
  ["Not interested, stop.", "negative", { unsubscribe: true }],
  ["STOP", "negative", { unsubscribe: true }],
  ["Stop emailing me.", "negative", { unsubscribe: true }],
  ["Take me off your mailing list", "negative", { unsubscribe: true }],
  ["Don't contact me again.", "negative", { unsubscribe: true }],
  ["I'd like to opt out of these emails.", "negative", { unsubscribe: true }],
  // ooo
  ["I am out of the office until Monday, March 10th with limited access to email.", "ooo", { ooo: "2025-03-10" }],
  ["Thank you for your email. I'm currently on annual leave and will be back on 17 March.", "ooo", { ooo: "2025-03-17" }],
  ["Automatic reply: I'm OOO, returning Monday.", "ooo", { ooo: "2025-03-10" }],
  ["I'm on parental leave through 2025-04-30. For urgent matters contact jo@acme.io.", "ooo", { ooo: "2025-05-01" }],
  ["Out of office. Back on the 14th.", "ooo", { ooo: "2025-03-14" }],
  ["I am away from the office and will return on 3/24.", "ooo", { ooo: "2025-03-24" }],
  ["Out of office with no return date.", "ooo", { ooo: null }],
  ["Ich bin bis 12.03.2025 abwesend.", "ooo", { ooo: "2025-03-12" }],
  // question
  ["How much does it cost?", "question"],
  ["What does pricing look like for a team of 12", "question"],
  ["Who else in fintech uses this?", "question"],
  // neutral
  ["I'm not the right person — try reaching out to Dana who runs enablement instead.", "neutral"],
  ["Ana no longer works at Acme.", "neutral"],
  ["Thanks", "neutral"],
];

describe("classifyReplyByRules on a table of real-looking replies", () => {
  it.each(table)("%s → %s", (text, sentiment, extra = {}) => {
    const result = classifyReplyByRules(text, { receivedAt });
    expect(result.sentiment).toBe(sentiment);
    expect(result.decided).toBe(true);
    expect(result.source).toBe("rules");
    expect(result.unsubscribe).toBe(extra.unsubscribe ?? false);
    if ("ooo" in extra) expect(result.oooReturnDate).toBe(extra.ooo);
  });

  it("reads the subject of an auto-reply", () => {
    const result = classifyReplyByRules("Thank you for your message. I will respond when I return.", {
      receivedAt,
      subject: "Automatic reply: quick question",
    });
    expect(result.sentiment).toBe("ooo");
  });

  it("ignores the quoted original message", () => {
    const text = [
      "Not interested.",
      "",
      "On Tue, Mar 4, 2025 at 9:12 AM Sam <sam@offerlab.dev> wrote:",
      "> Hi Ana, interested in a quick call? Let's talk!",
    ].join("\n");
    expect(stripQuotedReply(text)).toBe("Not interested.");
    expect(classifyReplyByRules(text, { receivedAt }).sentiment).toBe("negative");
  });

  it("leaves mixed signals undecided, with a neutral best guess", () => {
    const result = classifyReplyByRules("Not right now, but let's talk in Q3.", { receivedAt });
    expect(result).toMatchObject({ decided: false, sentiment: "neutral", source: "fallback" });
    expect(classifyReplyByRules("Hmm. Maybe.", { receivedAt }).decided).toBe(false);
  });
});

describe("extractReturnDate", () => {
  it.each([
    ["back on Monday", "2025-03-10"],
    ["back tomorrow", "2025-03-06"],
    ["returning January 6", "2026-01-06"],
    ["out until 04/03", "2025-04-03"],
    ["no date here", null],
  ])("%s → %s", (text, expected) => {
    expect(extractReturnDate(text, receivedAt)).toBe(expected);
  });

  it("follows the day/month order for ambiguous numeric dates", () => {
    expect(extractReturnDate("back on 04/03", receivedAt, "dmy")).toBe("2026-03-04");
    expect(extractReturnDate("back on 04/03/2025", receivedAt, "dmy")).toBe(null);
  });
});

describe("classifyReply with the LLM for what the rules cannot decide", () => {
  const llm = createLlmMock();
  const server = setupServer(...llm.handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => llm.reset());
  afterAll(() => server.close());
  const env = { OFFERLAB_LLM: "anthropic:claude-haiku-4-5", ANTHROPIC_API_KEY: "sk-ant-test" };

  it("never calls the model when the rules decide", async () => {
    await expect(classifyReply("Please remove me", { receivedAt, llm: { env } })).resolves.toMatchObject({
      sentiment: "negative",
      unsubscribe: true,
      source: "rules",
    });
    expect(llm.requests).toHaveLength(0);
  });

  it("stays offline when no model is configured", async () => {
    const result = await classifyReply("Hmm. Maybe.", { receivedAt, llm: { env: {} } });
    expect(result).toMatchObject({ sentiment: "neutral", source: "fallback" });
    expect(llm.requests).toHaveLength(0);
  });

  it("asks the model about an undecided reply", async () => {
    llm.reply({ json: { sentiment: "positive", unsubscribe: false, ooo_return_date: null } });
    const result = await classifyReply("Not right now, but let's talk in Q3.", { receivedAt, llm: { env } });
    expect(result).toEqual({ sentiment: "positive", unsubscribe: false, oooReturnDate: null, source: "llm", matched: expect.any(Array) });
    expect(JSON.stringify(llm.requests[0]?.body.messages)).toContain("let's talk in Q3");
  });

  it("falls back to the rules' guess when the model fails, and says why", async () => {
    llm.reply({ status: 429, retryAfter: "30" });
    const result = await classifyReply("Hmm. Maybe.", { receivedAt, llm: { env, maxRetries: 0 } });
    expect(result.source).toBe("fallback");
    expect(result.llmError).toContain("rate limiting");
  });

  it("throws when OFFERLAB_LLM is set but its key is missing", async () => {
    await expect(classifyReply("Hmm. Maybe.", { llm: { env: { OFFERLAB_LLM: "openai:gpt-4.1-mini" } } })).rejects.toThrow(/OPENAI_API_KEY/);
  });
});
