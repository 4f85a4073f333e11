import type { MessageChannel } from "@offerlab/core";

/**
 * What a lint issue is about.
 *
 * Errors (the message must not be sent, the template not approved): `template_syntax`,
 * `unresolved_variable`, `empty_variable`, `leftover_placeholder`, `empty_body`,
 * `missing_subject`, `too_long`, `not_approved`, `unknown_variable`.
 * Warnings (shown, not blocking): `link`, `spam_word`, `shouting`.
 */
export type LintCode =
  | "template_syntax"
  | "unresolved_variable"
  | "empty_variable"
  | "leftover_placeholder"
  | "empty_body"
  | "missing_subject"
  | "too_long"
  | "not_approved"
  | "link"
  | "spam_word"
  | "unknown_variable"
  | "shouting";

/** One finding about a template or a rendered message. */
export interface LintIssue {
  code: LintCode;
  severity: "error" | "warning";
  /** The part of the message concerned. */
  field: "subject" | "body" | "template";
  /** A sentence a person can act on, e.g. `body: {{company.name}} has no value for this contact`. */
  message: string;
  /** The variable concerned, for variable issues. */
  variable?: string;
}

/** The outcome of linting: `ok` is true when there is no error (warnings may remain). */
export interface LintResult {
  ok: boolean;
  channel: MessageChannel;
  errors: LintIssue[];
  warnings: LintIssue[];
}
