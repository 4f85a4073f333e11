/**
 * From template to sendable message: render subject and body for one contact, lint the result,
 * and refuse anything that is not an approved template or has a lint error.
 */
import type { MessageChannel, MessageTemplateStatus } from "@offerlab/core";
import { channelActionType, stableHash53 } from "@offerlab/core";
import type { LintIssue, LintResult } from "./issues.js";
import { lintMessage } from "./lint.js";
import type { RenderData } from "./render.js";
import { renderTemplate } from "./render.js";

/** A template to render: a `message_templates` row, or the fields of one. */
export interface MessageTemplate {
  id?: string | null;
  template_key?: string | null;
  name?: string | null;
  channel: MessageChannel;
  /** An email step after the first may have no subject (it replies in the first email's thread). */
  sequence_step?: number | null;
  subject?: string | null;
  body: string;
  /** Only `approved` templates pass {@link renderForSend}. */
  status?: MessageTemplateStatus | null;
}

/** A message rendered for one contact, with its lint. */
export interface RenderedMessage {
  channel: MessageChannel;
  /** The subject (email, InMail), or null when there is none. */
  subject: string | null;
  body: string;
  /** Variables substituted and their values: `messages.personalization_used`. */
  personalization_used: Record<string, string>;
  lint: LintResult;
  /** The spintax seed used. */
  seed: string;
}

/** Options of {@link renderMessage} and {@link renderForSend}. */
export interface RenderMessageOptions {
  /**
   * Spintax seed. Default: natural keys, never database ids — the template's key (else its name,
   * id, body hash) with its channel and step, and the contact's email (else LinkedIn URL, name,
   * id) — so the same person gets the same wording from the same template in every run of a
   * sandbox seed, whose row ids differ.
   */
  seed?: string;
}

function defaultSeed(template: MessageTemplate, data: RenderData): string {
  const templateKey =
    [template.template_key, template.name, template.id].find((v): v is string => typeof v === "string" && v !== "") ??
    `body:${stableHash53(template.body)}`;
  const contact = data.contact ?? {};
  const contactKey = [contact.email, contact.linkedin_url, contact.full_name, contact.id].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  return `${templateKey}|${template.channel}|${template.sequence_step ?? ""}|${contactKey ?? ""}`;
}

/**
 * Renders a template for one contact and lints the result. Never throws: problems are in `lint`.
 * The same template, data and seed always give the same message.
 */
export function renderMessage(template: MessageTemplate, data: RenderData, options: RenderMessageOptions = {}): RenderedMessage {
  const seed = options.seed ?? defaultSeed(template, data);
  const body = renderTemplate(template.body, data, { seed, field: "body" });
  const hasSubject = template.channel !== "linkedin_connect" && template.channel !== "linkedin_dm";
  const subject = hasSubject && template.subject ? renderTemplate(template.subject, data, { seed, field: "subject" }) : null;
  const requireSubject =
    template.channel === "email" &&
    (template.sequence_step === undefined || template.sequence_step === null || template.sequence_step <= 1);
  const lint = lintMessage({ channel: template.channel, subject: subject?.text ?? null, body: body.text, requireSubject }, [
    ...(subject?.issues ?? []),
    ...body.issues,
  ]);
  return {
    channel: template.channel,
    subject: subject === null || subject.text === "" ? null : subject.text,
    body: body.text,
    personalization_used: { ...subject?.variables, ...body.variables },
    lint,
    seed,
  };
}

/** A message cleared for the send queue. */
export interface SendableMessage {
  channel: MessageChannel;
  /** The account action it consumes (core's `channelActionType`). */
  action_type: (typeof channelActionType)[MessageChannel];
  sequence_step: number | null;
  subject: string | null;
  body: string;
  personalization_used: Record<string, string>;
  template_id: string | null;
}

/**
 * The outcome of {@link renderForSend}: a message, or a refusal with a reason the CLI can print
 * and the scheduler can record as the skip reason.
 */
export type SendRender =
  | { ok: true; message: SendableMessage; warnings: LintIssue[] }
  | { ok: false; code: "not_approved" | "lint_failed"; reason: string; errors: LintIssue[] };

/**
 * Renders a template for sending. Refuses (never throws) when the template is not `approved`, or
 * when the rendered message has any lint error: an unresolved or empty variable, leftover
 * template syntax, an empty body, a missing email subject, or text over the channel's limit.
 */
export function renderForSend(template: MessageTemplate, data: RenderData, options: RenderMessageOptions = {}): SendRender {
  const label = template.name ?? template.template_key ?? template.id ?? "template";
  if (template.status !== "approved") {
    const reason = `template "${label}" is ${template.status ?? "not approved"}; only approved templates are sent`;
    return {
      ok: false,
      code: "not_approved",
      reason,
      errors: [{ code: "not_approved", severity: "error", field: "template", message: reason }],
    };
  }
  const rendered = renderMessage(template, data, options);
  if (!rendered.lint.ok) {
    return {
      ok: false,
      code: "lint_failed",
      reason: `template "${label}" did not render cleanly: ${rendered.lint.errors.map((e) => e.message).join("; ")}`,
      errors: rendered.lint.errors,
    };
  }
  return {
    ok: true,
    message: {
      channel: rendered.channel,
      action_type: channelActionType[rendered.channel],
      sequence_step: template.sequence_step ?? null,
      subject: rendered.subject,
      body: rendered.body,
      personalization_used: rendered.personalization_used,
      template_id: template.id ?? null,
    },
    warnings: rendered.lint.warnings,
  };
}
