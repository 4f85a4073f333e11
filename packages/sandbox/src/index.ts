/**
 * @offerlab/sandbox — a simulated world behind every provider's real HTTP API, for the demo,
 * forecasts and end-to-end tests: a seeded world of companies and people served by each vendor's
 * MSW fake, a simulated clock, behaviour over time delivered as Unipile webhooks, a simulated LLM,
 * and a journal of every provider request. Enabled only explicitly (`--sandbox`, `OFFERLAB_SANDBOX=1`).
 */
export { createSandbox, DEFAULT_SANDBOX_RATES, fitOf, SANDBOX_START, SANDBOX_WEBHOOK_HEADER } from "./sandbox.js";
export type {
  Sandbox,
  SandboxBookingDelivery,
  SandboxBookingHandler,
  SandboxClock,
  SandboxCopyEffect,
  SandboxDelivery,
  SandboxOptions,
  SandboxOutcome,
  SandboxProviders,
  SandboxProvidersOptions,
  SandboxRates,
  SandboxWebhookHandler,
} from "./sandbox.js";
export { isSandboxEnabled, SANDBOX_BANNER, SANDBOX_ENV, SANDBOX_JOURNAL_ENV } from "./sandbox-env.js";
export { isSandboxProvider, SANDBOX_API_KEYS, SANDBOX_BASE_URLS, SANDBOX_PROVIDERS } from "./sandbox-vendors.js";
export type { SandboxProvider, SandboxVendors } from "./sandbox-vendors.js";
export { normalizeJournal } from "./sandbox-journal.js";
export type { JournalEntry } from "./sandbox-journal.js";
export { createSandboxLlm } from "./sandbox-llm.js";
export type { SandboxLanguageModel, SandboxLlm, SandboxLlmCall, SandboxLlmOptions } from "./sandbox-llm.js";
export { createRandom } from "./sandbox-random.js";
export type { Random } from "./sandbox-random.js";
export type {
  SandboxAccount,
  SandboxCompany,
  SandboxEmailStatus,
  SandboxJob,
  SandboxPerson,
  SandboxWorld,
  WorldOptions,
} from "./sandbox-world.js";
