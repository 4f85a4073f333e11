/**
 * `/new-offer`'s generation steps: offer → positioning canvas → ICP → email and LinkedIn copy.
 * Each goes through {@link generateStructured}: structured output against core's schema, the
 * checks below fed back to the model for repair, and a GenerationError rather than anything
 * half-valid.
 */
import type { FieldIssue, Icp, MessageChannel, PositioningCanvas } from "@offerlab/core";
import { EmailTemplates, Icp as IcpSchema, LINKEDIN_NOTE_MAX, LinkedInTemplates, PositioningCanvas as CanvasSchema } from "@offerlab/core";
import type { LintIssue } from "./issues.js";
import { lintTemplate } from "./lint.js";
import type { LlmOptions } from "./llm.js";
import { generateStructured } from "./llm.js";
import type { LinkedInTemplateKey, OfferInput } from "./prompts.js";
import {
  emailTemplatesPrompt,
  ICP_SYSTEM,
  icpPrompt,
  linkedInTemplateKeys,
  linkedInTemplatesPrompt,
  POSITIONING_SYSTEM,
  positioningPrompt,
  TEMPLATES_SYSTEM,
} from "./prompts.js";
import { parseTemplate, templateVariables } from "./template.js";

function requireNonEmpty(field: string, list: readonly unknown[], what: string): FieldIssue[] {
  return list.length === 0 ? [{ field, message: `name at least one ${what}` }] : [];
}

/**
 * Generates the positioning canvas of an offer (`offers.positioning`), validated by core's
 * `PositioningCanvas` (scores 1–5 and their exact total, reply-rate ranges) and complete: at
 * least one symptom, alternative, signal stack and disqualifying signal.
 *
 * @throws GenerationError
 */
export function generatePositioning(offer: OfferInput, options: LlmOptions = {}): Promise<PositioningCanvas> {
  return generateStructured(
    {
      schema: CanvasSchema,
      subject: "positioning canvas",
      name: "positioning_canvas",
      system: POSITIONING_SYSTEM,
      prompt: positioningPrompt(offer),
      check: (canvas) => [
        ...requireNonEmpty("symptoms", canvas.symptoms, "symptom"),
        ...requireNonEmpty("alternatives", canvas.alternatives, "alternative (the status quo counts)"),
        ...requireNonEmpty("signal_stacks", canvas.signal_stacks, "signal stack"),
        ...requireNonEmpty("disqualifying_signals", canvas.disqualifying_signals, "disqualifying signal"),
      ],
    },
    options,
  );
}

/**
 * Derives the ICP (`offers.icp`) from a positioning canvas, validated by core's `Icp`
 * (size_min ≤ size_max) with at least one vertical and one buyer title.
 *
 * @throws GenerationError
 */
export function deriveIcp(positioning: PositioningCanvas, options: LlmOptions = {}): Promise<Icp> {
  return generateStructured(
    {
      schema: IcpSchema,
      subject: "ICP",
      name: "icp",
      system: ICP_SYSTEM,
      prompt: icpPrompt(positioning),
      check: (icp) => [
        ...requireNonEmpty("company.verticals", icp.company.verticals, "vertical"),
        ...requireNonEmpty("buyer.titles", icp.buyer.titles, "buyer title"),
      ],
    },
    options,
  );
}

/** What {@link generateTemplates} writes: an email sequence of `steps` emails (default 3, 1–10). */
export interface EmailTemplatesRequest {
  channel: "email";
  steps?: number;
}
/** What {@link generateTemplates} writes: the LinkedIn templates named in `steps` (default invitation note and follow-up DM). */
export interface LinkedInTemplatesRequest {
  channel: "linkedin";
  steps?: readonly LinkedInTemplateKey[];
}

/** Default number of emails in a generated sequence. */
export const DEFAULT_EMAIL_STEPS = 3;
/** Default LinkedIn templates generated. */
export const DEFAULT_LINKEDIN_STEPS: readonly LinkedInTemplateKey[] = ["connection_request", "follow_up_dm"];
/** Room left in an invitation note for each variable when checking generated notes against the 300-character limit. */
export const NOTE_VARIABLE_ALLOWANCE = 20;

const linkedInChannel: Record<LinkedInTemplateKey, MessageChannel> = {
  connection_request: "linkedin_connect",
  follow_up_dm: "linkedin_dm",
  inmail: "linkedin_inmail",
};

function templateIssues(path: string, issues: readonly LintIssue[]): FieldIssue[] {
  return issues
    .filter((i) => i.severity === "error" || i.code === "unknown_variable" || i.code === "link" || i.code === "spam_word")
    .map((i) => ({ field: i.field === "subject" ? `${path}.subject` : `${path}.body`, message: i.message }));
}

function checkEmail(sequence: EmailTemplates, steps: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (sequence.sequence.length !== steps) {
    issues.push({ field: "sequence", message: `write exactly ${steps} step(s), not ${sequence.sequence.length}` });
  }
  sequence.sequence.forEach((email, index) => {
    if (index > 0 && email.delay_days < 1) {
      issues.push({ field: `sequence.${index}.delay_days`, message: "a later step needs delay_days of at least 1" });
    }
    const lint = lintTemplate({ channel: "email", subject: email.subject, body: email.body, sequence_step: email.step });
    issues.push(...templateIssues(`sequence.${index}`, [...lint.errors, ...lint.warnings]));
  });
  return issues;
}

function checkLinkedIn(templates: LinkedInTemplates, keys: readonly LinkedInTemplateKey[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const key of linkedInTemplateKeys) {
    const text = templates[key];
    if (text === undefined) {
      if (keys.includes(key)) issues.push({ field: key, message: "this template was asked for and is missing" });
      continue;
    }
    const lint = lintTemplate({ channel: linkedInChannel[key], body: text });
    for (const issue of [...lint.errors, ...lint.warnings]) {
      if (issue.severity === "error" || ["unknown_variable", "link", "spam_word"].includes(issue.code)) {
        issues.push({ field: key, message: issue.message });
      }
    }
    if (key === "connection_request") {
      const parsed = parseTemplate(text);
      if (parsed.ok) {
        const variables = templateVariables(parsed.nodes).length;
        const literal = text.length - parsed.nodes.reduce((n, node) => n + (node.type === "variable" ? node.raw.length : 0), 0);
        const estimate = literal + variables * NOTE_VARIABLE_ALLOWANCE;
        if (estimate > LINKEDIN_NOTE_MAX) {
          issues.push({
            field: key,
            message: `with names filled in the note would be about ${estimate} characters; keep it well under ${LINKEDIN_NOTE_MAX}`,
          });
        }
      }
    }
  }
  return issues;
}

/**
 * Writes the copy of an offer: an email sequence (`offers.email_templates`, validated by core's
 * `EmailTemplates`) or LinkedIn templates (`offers.linkedin_templates`, `LinkedInTemplates`,
 * invitation note ≤ 300 characters). Every template must parse, use only known variables, have
 * no links or spam-trigger words, and fit its channel with room for the variables; the model is
 * asked to repair anything that does not.
 *
 * @throws GenerationError
 */
export function generateTemplates(
  offer: OfferInput,
  positioning: PositioningCanvas,
  icp: Icp,
  request: EmailTemplatesRequest,
  options?: LlmOptions,
): Promise<EmailTemplates>;
export function generateTemplates(
  offer: OfferInput,
  positioning: PositioningCanvas,
  icp: Icp,
  request: LinkedInTemplatesRequest,
  options?: LlmOptions,
): Promise<LinkedInTemplates>;
export function generateTemplates(
  offer: OfferInput,
  positioning: PositioningCanvas,
  icp: Icp,
  request: EmailTemplatesRequest | LinkedInTemplatesRequest,
  options: LlmOptions = {},
): Promise<EmailTemplates | LinkedInTemplates> {
  if (request.channel === "email") {
    const steps = request.steps ?? DEFAULT_EMAIL_STEPS;
    if (!Number.isInteger(steps) || steps < 1 || steps > 10) {
      return Promise.reject(new RangeError(`[copy] steps must be a whole number from 1 to 10, got ${steps}`));
    }
    return generateStructured(
      {
        schema: EmailTemplates,
        subject: "email sequence",
        name: "email_templates",
        system: TEMPLATES_SYSTEM,
        prompt: emailTemplatesPrompt(offer, positioning, icp, steps),
        check: (sequence) => checkEmail(sequence, steps),
      },
      options,
    );
  }
  const keys = request.steps ?? DEFAULT_LINKEDIN_STEPS;
  if (keys.length === 0 || keys.some((k) => !linkedInTemplateKeys.includes(k))) {
    return Promise.reject(
      new RangeError(`[copy] LinkedIn steps must be some of ${linkedInTemplateKeys.join(", ")}, got ${JSON.stringify(keys)}`),
    );
  }
  return generateStructured(
    {
      schema: LinkedInTemplates,
      subject: "LinkedIn templates",
      name: "linkedin_templates",
      system: TEMPLATES_SYSTEM,
      prompt: linkedInTemplatesPrompt(offer, positioning, icp, keys),
      check: (templates) => checkLinkedIn(templates, keys),
    },
    options,
  );
}
