/**
 * MSW handlers for the two LLM HTTP APIs the AI SDK calls, faithful to their wire shapes:
 * Anthropic Messages (`POST https://api.anthropic.com/v1/messages`) and OpenAI Responses
 * (`POST https://api.openai.com/v1/responses`, what `openai(model)` uses in @ai-sdk/openai 3).
 * A test scripts the answers in order and reads back the requests. Test-only: not exported from
 * the package entry.
 */
import { http, HttpResponse } from "msw";

export const ANTHROPIC_MESSAGES_URL = "https://api.anthropic.com/v1/messages";
export const OPENAI_RESPONSES_URL = "https://api.openai.com/v1/responses";

/** One scripted answer. */
export type LlmReply =
  /** A successful structured answer: the value serialised as the model's JSON text. */
  | { json: unknown }
  /** A successful answer with this exact text (malformed JSON, prose, …). */
  | { text: string }
  /** The model refuses (Anthropic `stop_reason: "refusal"`, OpenAI a `refusal` content part). */
  | { refusal: string }
  /** An HTTP error in the provider's error format. */
  | { status: 429 | 401 | 500 | 529; retryAfter?: string };

/** A request the mock received. */
export interface RecordedRequest {
  provider: "anthropic" | "openai";
  headers: Headers;
  body: Record<string, unknown>;
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}_01${(++counter).toString(36).padStart(22, "x")}`;

function anthropicError(status: number, retryAfter: string | undefined) {
  const types: Record<number, [string, string]> = {
    401: ["authentication_error", "invalid x-api-key"],
    429: ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"],
    500: ["api_error", "Internal server error"],
    529: ["overloaded_error", "Overloaded"],
  };
  const [type, message] = types[status] ?? ["api_error", "error"];
  return HttpResponse.json(
    { type: "error", error: { type, message } },
    {
      status,
      headers: {
        "request-id": nextId("req"),
        ...(retryAfter !== undefined && { "retry-after": retryAfter }),
      },
    },
  );
}

function openaiError(status: number, retryAfter: string | undefined) {
  const errors: Record<number, { message: string; type: string; code: string | null }> = {
    401: {
      message: "Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.",
      type: "invalid_request_error",
      code: "invalid_api_key",
    },
    429: {
      message: "Rate limit reached for gpt-4.1-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1.",
      type: "requests",
      code: "rate_limit_exceeded",
    },
    500: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", code: null },
  };
  const error = errors[status] ?? { message: "error", type: "server_error", code: null };
  return HttpResponse.json(
    { error: { ...error, param: null } },
    {
      status,
      headers: {
        "x-request-id": nextId("req"),
        ...(retryAfter !== undefined && { "retry-after": retryAfter }),
      },
    },
  );
}

function usesJsonTool(body: Record<string, unknown>): boolean {
  const tools = body.tools as Array<{ name?: string }> | undefined;
  return Array.isArray(tools) && tools.some((t) => t.name === "json");
}

function anthropicAnswer(body: Record<string, unknown>, reply: LlmReply) {
  if ("status" in reply) return anthropicError(reply.status, reply.retryAfter);
  const base = {
    id: nextId("msg"),
    type: "message",
    role: "assistant",
    model: body.model,
    stop_sequence: null,
    usage: { input_tokens: 812, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 431, service_tier: "standard" },
  };
  if ("refusal" in reply) {
    return HttpResponse.json({
      ...base,
      content: reply.refusal === "" ? [] : [{ type: "text", text: reply.refusal }],
      stop_reason: "refusal",
    });
  }
  const text = "json" in reply ? JSON.stringify(reply.json) : reply.text;
  if (usesJsonTool(body) && "json" in reply) {
    // Models without native structured output answer through a forced `json` tool call.
    return HttpResponse.json({
      ...base,
      content: [{ type: "tool_use", id: nextId("toolu"), name: "json", input: reply.json }],
      stop_reason: "tool_use",
    });
  }
  return HttpResponse.json({ ...base, content: [{ type: "text", text }], stop_reason: "end_turn" });
}

function openaiAnswer(body: Record<string, unknown>, reply: LlmReply) {
  if ("status" in reply) return openaiError(reply.status, reply.retryAfter);
  const content =
    "refusal" in reply
      ? [{ type: "refusal", refusal: reply.refusal }]
      : [{ type: "output_text", text: "json" in reply ? JSON.stringify(reply.json) : reply.text, annotations: [], logprobs: [] }];
  return HttpResponse.json({
    id: nextId("resp"),
    object: "response",
    created_at: 1_741_476_542,
    status: "completed",
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: `${String(body.model)}-2025-04-14`,
    output: [{ type: "message", id: nextId("msg"), status: "completed", role: "assistant", content }],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1.0,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1.0,
    truncation: "disabled",
    usage: {
      input_tokens: 812,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 431,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 1243,
    },
    user: null,
    metadata: {},
  });
}

/**
 * A scripted LLM: `reply(...)` queues answers (served in order, whichever provider is called),
 * `requests` records what arrived, `handlers` go to `setupServer`. An unscripted call fails the
 * test with a 500 naming the problem.
 */
export function createLlmMock() {
  const queue: LlmReply[] = [];
  const requests: RecordedRequest[] = [];
  const serve =
    (provider: "anthropic" | "openai") =>
    async ({ request }: { request: Request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      requests.push({ provider, headers: request.headers, body });
      const reply = queue.shift();
      if (reply === undefined) {
        return HttpResponse.json({ error: { message: "llm mock: no scripted reply left" } }, { status: 418 });
      }
      return provider === "anthropic" ? anthropicAnswer(body, reply) : openaiAnswer(body, reply);
    };
  return {
    handlers: [http.post(ANTHROPIC_MESSAGES_URL, serve("anthropic")), http.post(OPENAI_RESPONSES_URL, serve("openai"))],
    requests,
    /** Queues answers for the next calls. */
    reply(...replies: LlmReply[]) {
      queue.push(...replies);
    },
    /** Answers not consumed yet. */
    get pending() {
      return queue.length;
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
  };
}
