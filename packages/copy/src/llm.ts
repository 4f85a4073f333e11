/**
 * Model selection and the one structured-generation loop every LLM call of this package goes
 * through: ask for JSON against a zod schema, validate it (core's schema plus the caller's own
 * checks), feed the errors back for a bounded number of repairs, and either return a value that
 * passed everything or throw a {@link GenerationError}. Never anything in between.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import type { FieldIssue } from "@offerlab/core";
import { toFieldIssues } from "@offerlab/core";
import type { LanguageModel, ModelMessage } from "ai";
import { APICallError, generateText, NoObjectGeneratedError, NoOutputGeneratedError, Output, RetryError } from "ai";
import type { z } from "zod";
import { GenerationError } from "./errors.js";

/** The environment variable that picks the model: `anthropic:<model>` or `openai:<model>`. */
export const LLM_ENV = "OFFERLAB_LLM";

/** The providers `OFFERLAB_LLM` may name, and the env var each reads its key from. */
export const llmProviders = {
  anthropic: { apiKeyEnv: "ANTHROPIC_API_KEY" },
  openai: { apiKeyEnv: "OPENAI_API_KEY" },
} as const;
/** A provider `OFFERLAB_LLM` may name. */
export type LlmProviderName = keyof typeof llmProviders;

/** Default number of model calls for one generation, the first try and its repairs included. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * How to reach a model. Every option is optional: with none, the model comes from
 * `OFFERLAB_LLM` and its key from the provider's usual env var, both read when a call is made.
 */
export interface LlmOptions {
  /**
   * The model: a `LanguageModel` object (tests, the sandbox, any AI SDK provider), or a spec
   * string `anthropic:<model>` / `openai:<model>`. Default: the `OFFERLAB_LLM` env var.
   */
  model?: LanguageModel;
  /** API key for a spec-selected model. Default: `ANTHROPIC_API_KEY` or `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Base URL of the provider's API (a proxy, or the sandbox). Default: the provider's own. */
  baseURL?: string;
  /** The `fetch` the provider uses (tests, middleware, the sandbox). Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Where env vars are read from. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Model calls per generation, repairs included (≥ 1). Default {@link DEFAULT_MAX_ATTEMPTS}. */
  maxAttempts?: number;
  /** HTTP retries of one call on 429/5xx, done by the AI SDK honouring Retry-After. Default 2. */
  maxRetries?: number;
  /** Output token cap per call. Default 8000. */
  maxOutputTokens?: number;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Cancels the generation. */
  abortSignal?: AbortSignal;
}

/** A model ready to call, and where it came from. */
export interface ResolvedModel {
  model: Exclude<LanguageModel, string>;
  /** `anthropic`, `openai`, or `custom` for an injected model object. */
  provider: LlmProviderName | "custom";
  modelId: string;
}

const NOT_CONFIGURED =
  `[copy] no LLM configured: set ${LLM_ENV} to anthropic:<model> (with ANTHROPIC_API_KEY) ` +
  `or openai:<model> (with OPENAI_API_KEY), or pass { model }`;

function parseSpec(spec: string, source: string): { provider: LlmProviderName; modelId: string } {
  const match = /^\s*([a-z]+)\s*:\s*(\S+)\s*$/i.exec(spec);
  const provider = match?.[1]?.toLowerCase();
  const modelId = match?.[2];
  if (provider === undefined || modelId === undefined || !(provider in llmProviders)) {
    throw new GenerationError(
      "not_configured",
      `[copy] ${source}=${JSON.stringify(spec)} is not a model: expected anthropic:<model> or openai:<model>, ` +
        `e.g. anthropic:claude-sonnet-4-5 or openai:gpt-4.1-mini`,
    );
  }
  return { provider: provider as LlmProviderName, modelId };
}

/**
 * Whether a model is available: an injected one, or `OFFERLAB_LLM` set (its key is checked when
 * the model is resolved, so a missing key still fails loudly rather than being skipped).
 */
export function isLlmConfigured(options: Pick<LlmOptions, "model" | "env"> = {}): boolean {
  if (options.model !== undefined) return true;
  const env = options.env ?? process.env;
  return (env[LLM_ENV] ?? "").trim() !== "";
}

/**
 * Resolves the model to call: `options.model` if it is an object, else the spec in
 * `options.model` or `OFFERLAB_LLM`, with its key from `options.apiKey` or the provider's env var.
 *
 * @throws GenerationError (`not_configured`) naming what to set.
 */
export function resolveModel(options: LlmOptions = {}): ResolvedModel {
  const { model } = options;
  if (model !== undefined && typeof model !== "string") {
    return { model, provider: "custom", modelId: model.modelId };
  }
  const env = options.env ?? process.env;
  const source = model !== undefined ? "model" : LLM_ENV;
  const spec = model ?? env[LLM_ENV];
  if (spec === undefined || spec.trim() === "") throw new GenerationError("not_configured", NOT_CONFIGURED);
  const { provider, modelId } = parseSpec(spec, source);
  const { apiKeyEnv } = llmProviders[provider];
  const apiKey = options.apiKey ?? env[apiKeyEnv];
  if (apiKey === undefined || apiKey.trim() === "") {
    throw new GenerationError("not_configured", `[copy] missing apiKey for ${provider}:${modelId}: pass { apiKey } or set ${apiKeyEnv}`);
  }
  const settings = {
    apiKey,
    ...(options.baseURL !== undefined && { baseURL: options.baseURL }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  };
  const created = provider === "anthropic" ? createAnthropic(settings)(modelId) : createOpenAI(settings)(modelId);
  return { model: created, provider, modelId };
}

function headerRetryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && Number.isFinite(Number.parseFloat(ms))) return Math.max(0, Number.parseFloat(ms));
  const after = headers["retry-after"];
  if (after === undefined) return undefined;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps what `generateText` threw (after its own HTTP retries) onto a GenerationError. */
function mapCallError(error: unknown, attempts: number): GenerationError {
  if (GenerationError.isInstance(error)) return error;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    const detail = `${last.message}${status === undefined ? "" : ` (HTTP ${status})`}`;
    const base = { attempts, cause: error, ...(status !== undefined && { statusCode: status }) };
    // OpenAI answers 429 for an exhausted quota too; waiting does not fix that one.
    if (status === 429 && !(last.responseBody ?? "").includes("insufficient_quota")) {
      const retryAfterMs = headerRetryAfterMs(last.responseHeaders);
      return new GenerationError("rate_limited", `[copy] the model provider is rate limiting: ${detail}`, {
        ...base,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    if (status === 401 || status === 403) {
      return new GenerationError("auth", `[copy] the model provider rejected the API key: ${detail}`, base);
    }
    return new GenerationError("api", `[copy] the model call failed: ${detail}`, base);
  }
  const message = last instanceof Error ? last.message : String(last);
  return new GenerationError("api", `[copy] the model call failed: ${message}`, { attempts, cause: error });
}

function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  check: ((value: z.output<S>) => FieldIssue[]) | undefined,
): { ok: true; value: z.output<S> } | { ok: false; issues: FieldIssue[] } {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, issues: toFieldIssues(parsed.error) };
  const issues = check?.(parsed.data) ?? [];
  return issues.length === 0 ? { ok: true, value: parsed.data } : { ok: false, issues };
}

function issuesOfText<S extends z.ZodType>(
  schema: S,
  text: string | undefined,
  check: ((value: z.output<S>) => FieldIssue[]) | undefined,
): FieldIssue[] {
  if (text === undefined || text.trim() === "") return [{ field: "(output)", message: "the answer was empty" }];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [{ field: "(output)", message: `not valid JSON (${(error as Error).message})` }];
  }
  const result = validate(schema, json, check);
  return result.ok ? [] : result.issues;
}

function repairPrompt(issues: FieldIssue[]): string {
  return [
    "Your answer did not pass validation. Fix every problem below and answer again with the complete",
    "JSON object only (no prose, no code fences):",
    ...issues.map((issue) => `- ${issue.field}: ${issue.message}`),
  ].join("\n");
}

/** One structured generation: what to ask and how to check the answer. */
export interface StructuredRequest<S extends z.ZodType> {
  /** The zod schema the answer must satisfy (one of core's document schemas, usually). */
  schema: S;
  /** Names the output in errors and for the provider (`positioning canvas`). */
  subject: string;
  /** Schema name passed to the provider (letters, digits, `_`). */
  name: string;
  system: string;
  prompt: string;
  /** Checks beyond the schema; each issue is fed back to the model like a schema error. */
  check?: (value: z.output<S>) => FieldIssue[];
}

/**
 * Runs one structured generation with bounded repair: up to `maxAttempts` calls, each failed
 * validation sent back to the model with its errors. Refusals are not retried.
 *
 * @throws GenerationError of any kind; `invalid_output` carries the last attempt's issues.
 */
export async function generateStructured<S extends z.ZodType>(
  request: StructuredRequest<S>,
  options: LlmOptions = {},
): Promise<z.output<S>> {
  const { model } = resolveModel(options);
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
  const messages: ModelMessage[] = [{ role: "user", content: request.prompt }];
  let issues: FieldIssue[] = [];
  let lastText: string | undefined;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let text: string | undefined;
    let finishReason: string | undefined;
    let value: unknown;
    let produced = false;
    try {
      const result = await generateText({
        model,
        system: request.system,
        messages,
        output: Output.object({ schema: request.schema, name: request.name, description: request.subject }),
        maxOutputTokens: options.maxOutputTokens ?? 8000,
        ...(options.maxRetries !== undefined && { maxRetries: options.maxRetries }),
        ...(options.temperature !== undefined && { temperature: options.temperature }),
        ...(options.abortSignal !== undefined && { abortSignal: options.abortSignal }),
        // OpenAI's strict mode demands every property be required, which core's optional
        // fields are not; the schema still guides the model and we validate the answer ourselves.
        providerOptions: { openai: { strictJsonSchema: false } },
      });
      text = result.text;
      finishReason = result.finishReason;
      if (finishReason !== "content-filter") {
        try {
          value = result.output;
          produced = true;
        } catch (error) {
          if (!NoOutputGeneratedError.isInstance(error)) throw error;
        }
      }
    } catch (error) {
      if (!NoObjectGeneratedError.isInstance(error)) throw mapCallError(error, attempt);
      text = error.text;
      finishReason = error.finishReason;
    }
    lastText = text;

    if (finishReason === "content-filter") {
      const said = text?.trim() ? `: ${text.trim().slice(0, 300)}` : "";
      throw new GenerationError("refused", `[copy] the model refused to generate the ${request.subject}${said}`, {
        attempts: attempt,
        ...(text !== undefined && { rawText: text }),
      });
    }

    if (produced) {
      // The SDK validated against the schema already; this adds the caller's own checks.
      const checked = validate(request.schema, value, request.check);
      if (checked.ok) return checked.value;
      issues = checked.issues;
    } else {
      issues = issuesOfText(request.schema, text, request.check);
      if (finishReason === "length") {
        issues = [{ field: "(output)", message: "the answer was cut off at the token limit; be more concise" }, ...issues];
      }
      if (issues.length === 0) issues = [{ field: "(output)", message: "no JSON object was produced" }];
    }
    const previous = text ?? (produced ? JSON.stringify(value) : "");
    messages.push({ role: "assistant", content: previous === "" ? "(empty answer)" : previous });
    messages.push({ role: "user", content: repairPrompt(issues) });
  }

  throw new GenerationError(
    "invalid_output",
    `[copy] the ${request.subject} failed validation after ${maxAttempts} attempt(s): ` +
      issues.map((i) => `${i.field}: ${i.message}`).join("; "),
    { issues, attempts: maxAttempts, ...(lastText !== undefined && { rawText: lastText }) },
  );
}
