/**
 * @offerlab/copy — positioning, ICP and copy generation through the Vercel AI SDK; rendering
 * with variables, fallbacks and deterministic spintax; A/B assignment; the lint that keeps broken
 * messages out of the send queue; and reply classification.
 */
export { GenerationError, generationErrorCodes } from "./errors.js";
export type { GenerationErrorCode, GenerationErrorKind } from "./errors.js";

export { DEFAULT_MAX_ATTEMPTS, generateStructured, isLlmConfigured, LLM_ENV, llmProviders, resolveModel } from "./llm.js";
export type { LlmOptions, LlmProviderName, ResolvedModel, StructuredRequest } from "./llm.js";

export {
  DEFAULT_EMAIL_STEPS,
  DEFAULT_LINKEDIN_STEPS,
  deriveIcp,
  generatePositioning,
  generateTemplates,
  NOTE_VARIABLE_ALLOWANCE,
} from "./generate.js";
export type { EmailTemplatesRequest, LinkedInTemplatesRequest } from "./generate.js";
export { linkedInTemplateKeys } from "./prompts.js";
export type { LinkedInTemplateKey, OfferInput } from "./prompts.js";

export { parseTemplate, templateVariables, VARIABLE_PATH_PATTERN } from "./template.js";
export type { ParsedTemplate, TemplateNode, TemplateSyntaxError } from "./template.js";

export { buildScope, renderTemplate, sanitizeValue } from "./render.js";
export type { RenderData, RenderedText, RenderTemplateOptions } from "./render.js";

export type { LintCode, LintIssue, LintResult } from "./issues.js";
export {
  CHANNEL_LIMITS,
  COMPANY_VARIABLES,
  CONTACT_VARIABLES,
  EMAIL_SUBJECT_MAX,
  findLinks,
  findSpamWords,
  formatLintResult,
  isKnownVariable,
  lintMessage,
  lintTemplate,
  OFFER_VARIABLES,
  SPAM_TRIGGER_WORDS,
} from "./lint.js";
export type { LintableMessage, LintableTemplate } from "./lint.js";

export { renderForSend, renderMessage } from "./message.js";
export type { MessageTemplate, RenderedMessage, RenderMessageOptions, SendableMessage, SendRender } from "./message.js";

export { assignVariants, pickVariant } from "./variants.js";

export { classifyReply, classifyReplyByRules, stripQuotedReply } from "./reply.js";
export type { ReplyClassification, ReplyContext, RuleClassification } from "./reply.js";
export { extractReturnDate } from "./reply-dates.js";
export type { DateOrder } from "./reply-dates.js";
