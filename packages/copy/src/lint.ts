/**
 * The lint that stands between rendering and the send queue (invariant 6, docs/architecture.md): no message
 * leaves with an unrendered placeholder, an empty body, or over its channel's limit. Links and
 * spam-trigger words are warnings: they hurt deliverability but are sometimes wanted.
 */
import type { MessageChannel } from "@offerlab/core";
import { LINKEDIN_NOTE_MAX } from "@offerlab/core";
import type { LintIssue, LintResult } from "./issues.js";
import type { TemplateNode } from "./template.js";
import { parseTemplate, templateVariables } from "./template.js";

/**
 * Longest email subject accepted, in characters: RFC 5322's recommended line length. Inboxes show
 * about 40–60 characters, and cold-email subjects that work are a few words.
 */
export const EMAIL_SUBJECT_MAX = 78;

/**
 * Hard limits per channel, in UTF-16 code units (`string.length`), which is never fewer than the
 * platforms count. LinkedIn: invitation note 300 ({@link LINKEDIN_NOTE_MAX}), message 8000,
 * InMail body 1900 and subject 200. Email: the subject above, and a 10,000-character body as a
 * sanity bound (a cold email is a few hundred).
 */
export const CHANNEL_LIMITS: Readonly<Record<MessageChannel, { body: number; subject: number | null }>> = {
  email: { body: 10_000, subject: EMAIL_SUBJECT_MAX },
  linkedin_connect: { body: LINKEDIN_NOTE_MAX, subject: null },
  linkedin_dm: { body: 8000, subject: null },
  linkedin_inmail: { body: 1900, subject: 200 },
};

/**
 * Words and phrases that spam filters and recipients associate with bulk mail. Matched whole,
 * case-insensitively. A warning, not an error: "free" is sometimes the honest word.
 */
export const SPAM_TRIGGER_WORDS: readonly string[] = [
  "100% free",
  "100% guaranteed",
  "act now",
  "apply now",
  "as seen on",
  "buy now",
  "call now",
  "cash bonus",
  "click here",
  "click below",
  "congratulations",
  "dear friend",
  "double your",
  "earn money",
  "exclusive deal",
  "extra cash",
  "free",
  "free trial",
  "guarantee",
  "guaranteed",
  "increase sales",
  "limited time",
  "make money",
  "no obligation",
  "no strings attached",
  "once in a lifetime",
  "order now",
  "risk-free",
  "risk free",
  "special promotion",
  "this isn't spam",
  "urgent",
  "winner",
  "$$$",
];

const LINK_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>()]+/gi;
const LEFTOVER_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\{\{|\}\}/, "`{{` or `}}`"],
  [/\{[^{}]*\|[^{}]*\}/, "unexpanded spintax `{…|…}`"],
  [/\{\s*[A-Za-z_][\w.]*\s*\}/, "a `{placeholder}`"],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const SPAM_PATTERNS = SPAM_TRIGGER_WORDS.map((word) => {
  // `\b` only works next to word characters; "$$$" has none.
  const start = /^\w/.test(word) ? "\\b" : "";
  const end = /\w$/.test(word) ? "\\b" : "";
  return { word, pattern: new RegExp(`${start}${escapeRegExp(word)}${end}`, "i") };
});

/** The spam-trigger words found in a text, each once, longest phrases first. */
export function findSpamWords(text: string): string[] {
  const found = SPAM_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ word }) => word);
  // "100% free" implies "free": report the phrase only.
  return found.filter((w) => !found.some((other) => other !== w && other.toLowerCase().includes(w.toLowerCase())));
}

/** The links in a text (`http://`, `https://`, `www.`). */
export function findLinks(text: string): string[] {
  return [...text.matchAll(LINK_PATTERN)].map((m) => m[0].replace(/[.,;:!?]+$/, ""));
}

function warningsFor(field: "subject" | "body", text: string): LintIssue[] {
  const issues: LintIssue[] = [];
  for (const link of findLinks(text)) {
    issues.push({
      code: "link",
      severity: "warning",
      field,
      message: `${field}: contains a link (${link}); links in a first touch hurt deliverability`,
    });
  }
  const spam = findSpamWords(text);
  if (spam.length > 0) {
    issues.push({
      code: "spam_word",
      severity: "warning",
      field,
      message: `${field}: spam-trigger word(s): ${spam.map((w) => JSON.stringify(w)).join(", ")}`,
    });
  }
  if (/!{2,}/.test(text) || (field === "subject" && /\b[A-Z]{2,}\b.*\b[A-Z]{2,}\b/.test(text) && text === text.toUpperCase())) {
    issues.push({ code: "shouting", severity: "warning", field, message: `${field}: all caps or "!!" reads as spam` });
  }
  return issues;
}

function result(channel: MessageChannel, issues: readonly LintIssue[]): LintResult {
  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.filter((i) => i.severity === "warning");
  return { ok: errors.length === 0, channel, errors, warnings };
}

function channelLabel(channel: MessageChannel): string {
  switch (channel) {
    case "linkedin_connect":
      return "LinkedIn invitation note";
    case "linkedin_dm":
      return "LinkedIn message";
    case "linkedin_inmail":
      return "LinkedIn InMail";
    case "email":
      return "email";
  }
}

/** A message as it would be sent. */
export interface LintableMessage {
  channel: MessageChannel;
  subject?: string | null;
  body: string;
  /**
   * Whether an email needs a subject. Default true; a follow-up step may leave it empty to reply
   * in the first email's thread.
   */
  requireSubject?: boolean;
}

/**
 * Lints a rendered message. `renderIssues` (from rendering) are included as they are.
 *
 * Errors: leftover placeholders or spintax, empty body, missing email subject, body or subject
 * over the channel's limit ({@link CHANNEL_LIMITS}). Warnings: links, spam-trigger words, shouting.
 */
export function lintMessage(message: LintableMessage, renderIssues: readonly LintIssue[] = []): LintResult {
  const { channel, body } = message;
  const subject = message.subject ?? "";
  const limits = CHANNEL_LIMITS[channel];
  const issues: LintIssue[] = [...renderIssues];

  for (const [field, text] of [
    ["subject", subject],
    ["body", body],
  ] as const) {
    for (const [pattern, what] of LEFTOVER_PATTERNS) {
      if (pattern.test(text)) {
        issues.push({ code: "leftover_placeholder", severity: "error", field, message: `${field}: ${what} left in the text` });
        break;
      }
    }
  }

  if (body.trim() === "") {
    issues.push({ code: "empty_body", severity: "error", field: "body", message: "body: the message is empty" });
  } else if (body.length > limits.body) {
    issues.push({
      code: "too_long",
      severity: "error",
      field: "body",
      message: `body: the ${channelLabel(channel)} is ${body.length} characters; the limit is ${limits.body}`,
    });
  }

  if (channel === "email" && subject.trim() === "" && message.requireSubject !== false) {
    issues.push({ code: "missing_subject", severity: "error", field: "subject", message: "subject: the email has no subject" });
  }
  if (limits.subject !== null && subject.length > limits.subject) {
    issues.push({
      code: "too_long",
      severity: "error",
      field: "subject",
      message: `subject: ${subject.length} characters; the limit for ${channelLabel(channel)} subjects is ${limits.subject}`,
    });
  }

  if (subject !== "") issues.push(...warningsFor("subject", subject));
  issues.push(...warningsFor("body", body));
  return result(channel, issues);
}

/** Contact fields a template may use at the top level (`{{first_name}}`) or as `contact.*`. */
export const CONTACT_VARIABLES: readonly string[] = [
  "first_name",
  "last_name",
  "full_name",
  "title",
  "title_normalized",
  "department",
  "seniority",
  "email",
  "linkedin_url",
];
/** Company fields a template may use as `company.*`. */
export const COMPANY_VARIABLES: readonly string[] = [
  "name",
  "domain",
  "url",
  "description",
  "size",
  "size_exact",
  "vertical",
  "industry",
  "headquarters_city",
  "headquarters_state",
  "headquarters_country",
];
/** Offer fields a template may use as `offer.*`. */
export const OFFER_VARIABLES: readonly string[] = [
  "name",
  "description",
  "problem_solved",
  "value_proposition",
  "client_name",
  "price_range",
];

/**
 * Whether a variable path is one rendering knows how to fill: a contact field, `contact.*`,
 * `company.*` and `offer.*` fields, or anything under `signals.*`, `sender.*` (free-form), or in
 * `extra` (a template's own variables).
 */
export function isKnownVariable(path: string, extra: readonly string[] = []): boolean {
  if (extra.includes(path)) return true;
  const [head, second] = path.split(".");
  if (head === undefined) return false;
  if (second === undefined) return CONTACT_VARIABLES.includes(head);
  switch (head) {
    case "contact":
      return CONTACT_VARIABLES.includes(second);
    case "company":
      return COMPANY_VARIABLES.includes(second) || second === "signals";
    case "offer":
      return OFFER_VARIABLES.includes(second);
    case "signals":
    case "sender":
      return true;
    default:
      return false;
  }
}

/** The fewest characters a template can render to: text, shortest spintax options, fallbacks ignored. */
function minimumLength(nodes: readonly TemplateNode[]): number {
  let total = 0;
  for (const node of nodes) {
    if (node.type === "text") total += node.value.length;
    else if (node.type === "spin") total += Math.min(...node.options.map(minimumLength));
  }
  return total;
}

/** A template to lint before approval (a `message_templates` row, or one step of an offer's copy). */
export interface LintableTemplate {
  channel: MessageChannel;
  subject?: string | null;
  body: string;
  /** Step in the sequence; an email step after the first may have no subject. */
  sequence_step?: number | null;
}

/**
 * Lints a template before it is approved: syntax errors, an empty body, a text that can never
 * fit its channel's limit, a missing first-email subject and an unknown variable (every send of it
 * would fail to render, or always fall back) are errors; links and spam-trigger words are
 * warnings. `extraVariables` names variables the caller will supply in `RenderData.vars`.
 */
export function lintTemplate(template: LintableTemplate, extraVariables: readonly string[] = []): LintResult {
  const { channel } = template;
  const limits = CHANNEL_LIMITS[channel];
  const issues: LintIssue[] = [];
  const parts: Array<["subject" | "body", string]> = [["body", template.body]];
  if (template.subject) parts.unshift(["subject", template.subject]);

  for (const [field, text] of parts) {
    const parsed = parseTemplate(text);
    if (!parsed.ok) {
      issues.push({
        code: "template_syntax",
        severity: "error",
        field,
        message: `${field}: template error at character ${parsed.error.offset + 1}: ${parsed.error.message}`,
      });
      continue;
    }
    const limit = field === "body" ? limits.body : limits.subject;
    const shortest = minimumLength(parsed.nodes);
    if (limit !== null && shortest > limit) {
      issues.push({
        code: "too_long",
        severity: "error",
        field,
        message: `${field}: at least ${shortest} characters before any variable, over the ${channelLabel(channel)} limit of ${limit}`,
      });
    }
    const seen = new Set<string>();
    for (const { path } of templateVariables(parsed.nodes)) {
      if (seen.has(path) || isKnownVariable(path, extraVariables)) continue;
      seen.add(path);
      issues.push({
        code: "unknown_variable",
        severity: "error",
        field,
        variable: path,
        message: `${field}: {{${path}}} is not a contact, company, offer, signals or sender variable`,
      });
    }
    issues.push(...warningsFor(field, text));
  }

  if (template.body.trim() === "") {
    issues.push({ code: "empty_body", severity: "error", field: "body", message: "body: the template is empty" });
  }
  const firstStep = template.sequence_step === undefined || template.sequence_step === null || template.sequence_step <= 1;
  if (channel === "email" && firstStep && !template.subject?.trim()) {
    issues.push({ code: "missing_subject", severity: "error", field: "subject", message: "subject: the first email needs a subject" });
  }
  return result(channel, issues);
}

/**
 * Lint findings as lines for a terminal: errors first (`✖`), then warnings (`⚠`), or `ok`.
 */
export function formatLintResult(lint: LintResult): string {
  if (lint.errors.length === 0 && lint.warnings.length === 0) return "ok";
  return [...lint.errors.map((i) => `✖ ${i.message}`), ...lint.warnings.map((i) => `⚠ ${i.message}`)].join("\n");
}
