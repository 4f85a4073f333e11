/**
 * @offerlab/provider-kit — what every provider adapter is built from: capability interfaces over
 * core's domain types, one error class, HTTP helpers (timeouts, bodies, zod parsing, retries for
 * safe reads only, polling), settings read at call time, and usage reporting without secrets.
 * Test helpers (MSW server, request recorder, contract suites) live at `@offerlab/provider-kit/testing`.
 */
export {
  ProviderError,
  providerErrorKinds,
  providerErrorCodes,
  isProviderError,
  kindForStatus,
  missingConfigError,
  MAX_RAW_BODY_CHARS,
} from "./errors.js";
export type { ProviderErrorCode, ProviderErrorKind, ProviderErrorOptions } from "./errors.js";

export { readSetting, readOptionalSetting, joinUrl } from "./config.js";
export type { SettingSource } from "./config.js";

export { withRetry, backoffDelay, parseRetryAfter, sleep, defaultRetryOptions } from "./retry.js";
export type { RetryOptions, RetryCall } from "./retry.js";

export { poll } from "./poll.js";
export type { PollOptions } from "./poll.js";

export { createHttpClient, defaultErrorMapper, reclassify, buildUrl, toFormData, DEFAULT_TIMEOUT_MS } from "./http.js";
export type {
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  HttpResult,
  HttpMethod,
  HttpErrorContext,
  ErrorMapper,
  FetchLike,
  QueryValue,
  FormValue,
} from "./http.js";

export { trackUsage, redactSecrets, readsCreditBalance, REDACTED } from "./usage.js";
export type { CallGate, CreditBalance, CreditBalanceReader, OnUsage, UsageEvent, UsageStatus, UsageContext, TrackUsage } from "./usage.js";

export { createRateGate, DEFAULT_RATE_GATE_MAX_WAIT_MS, LOCAL_RATE_LIMIT_REASON } from "./rate-gate.js";
export type { RateGateOptions, RateGateVerdict } from "./rate-gate.js";

export { LINKEDIN_INVITATION_NOTE_MAX } from "./capabilities.js";
export type {
  CallOptions,
  Page,
  ProviderInfo,
  CompanySignalsInput,
  CompanyRecord,
  IcpFilters,
  CompanySearchQuery,
  CompanySearchResult,
  CompanySearch,
  PersonRecord,
  PeopleSearchQuery,
  PeopleSearchResult,
  PeopleSearch,
  EmailFinderQuery,
  EmailFinderResult,
  EmailFinder,
  EmailVerification,
  EmailVerifier,
  CompanyEnrichmentQuery,
  CompanyEnrichment,
  CompanyEnricher,
  ScrapedPage,
  ScrapeOptions,
  CrawlOptions,
  PageScraper,
  SendingAccountStatus,
  SendingAccount,
  AccountDirectory,
  LinkedInProfile,
  SendInvitationInput,
  SendInvitationResult,
  SentInvitation,
  StartChatInput,
  SendChatMessageInput,
  SentChatMessage,
  LinkedInSender,
  EmailAddress,
  SendEmailInput,
  SentEmail,
  EmailSender,
  InboxMessage,
  InboxQuery,
  Inbox,
  UncertainSend,
  ReconcileResult,
  SendReconciler,
  ProviderEvent,
} from "./capabilities.js";

export {
  defineVendor,
  capabilityMethods,
  capabilityNames,
  capabilityLabels,
  implementsCapability,
  missingVendorEnv,
  vendorOptionsFromEnv,
  capabilityMap,
} from "./descriptor.js";
export type {
  CapabilityInterfaces,
  CapabilityName,
  CapabilitiesOf,
  VendorDescriptor,
  VendorEnvVar,
  VendorFactoryOptions,
} from "./descriptor.js";
