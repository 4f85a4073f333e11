/**
 * Rendering: variables from contact, company, offer, signals and sender; fallbacks; spintax
 * expanded deterministically per contact and template. Rendering never throws and never leaves
 * template syntax in its output: what it cannot fill it reports as an issue, which the lint turns
 * into a refusal to send.
 */
import { stableHash53, type CompanyRow, type ContactRow, type OfferRow } from "@offerlab/core";
import type { LintIssue } from "./issues.js";
import type { TemplateNode } from "./template.js";
import { parseTemplate } from "./template.js";

type Loose<T> = Partial<T> & Readonly<Record<string, unknown>>;

/**
 * What a template is rendered with. Every part is optional; a variable whose part is missing is
 * unresolved (use a fallback, or the lint stops the send).
 *
 * Variables: contact fields at the top level (`{{first_name}}`, `{{title}}`) and under
 * `contact.`; `company.`, `offer.`, `signals.` (default: `company.signals`), `sender.`; and
 * `vars` at the top level, which win over contact fields.
 */
export interface RenderData {
  contact?: Loose<ContactRow> | null;
  company?: Loose<CompanyRow> | null;
  offer?: Loose<OfferRow> | null;
  /** Signals to expose as `signals.*`. Default: `company.signals`. */
  signals?: Readonly<Record<string, unknown>> | null;
  /** The person sending (from the account), as `sender.*`, e.g. `{{sender.first_name}}`. */
  sender?: Readonly<Record<string, unknown>> | null;
  /** Extra top-level variables for this render. */
  vars?: Readonly<Record<string, unknown>>;
}

/** A rendered piece of text and what went into it. */
export interface RenderedText {
  text: string;
  /** Unresolved or empty variables and syntax errors; all are errors. */
  issues: LintIssue[];
  /** Each variable path used and the text it became (fallbacks included): `messages.personalization_used`. */
  variables: Record<string, string>;
  /** The option index picked for each spintax group met, in order. */
  choices: number[];
}

/** Options of {@link renderTemplate}. */
export interface RenderTemplateOptions {
  /** Seeds spintax; the same seed always picks the same options. Use template and contact ids. */
  seed: string;
  /** Which part is rendered, for issue messages. Default `body`. */
  field?: "subject" | "body";
}

/**
 * Makes contact data safe to place in copy: braces removed (so no value can smuggle template
 * syntax into a message), control characters, zero-width characters and runs of whitespace
 * (newlines included) folded into single spaces, then trimmed.
 */
export function sanitizeValue(value: string): string {
  return value
    .replace(/[{}]/g, "")
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "")
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, " ")
    .trim();
}

/** The variable scope of a render: see {@link RenderData}. */
export function buildScope(data: RenderData): Record<string, unknown> {
  const contact = data.contact ?? {};
  const company = data.company ?? {};
  const companySignals = (company as { signals?: unknown }).signals;
  const signals = data.signals ?? (typeof companySignals === "object" && companySignals !== null ? companySignals : {});
  return {
    ...contact,
    contact,
    company,
    offer: data.offer ?? {},
    signals,
    sender: data.sender ?? {},
    ...data.vars,
  };
}

type Lookup = { found: true; value: unknown } | { found: false };

function lookup(scope: Record<string, unknown>, path: string): Lookup {
  let current: unknown = scope;
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      current = current[Number(segment)];
    } else if (typeof current === "object" && current !== null && !(current instanceof Date) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return { found: false };
    }
    if (current === undefined) return { found: false };
  }
  return { found: true, value: current };
}

type Formatted = { kind: "text"; text: string } | { kind: "missing" } | { kind: "not_text"; what: string };

function format(value: unknown): Formatted {
  if (value === null || value === undefined) return { kind: "missing" };
  if (typeof value === "string") return { kind: "text", text: sanitizeValue(value) };
  if (typeof value === "number") return Number.isFinite(value) ? { kind: "text", text: String(value) } : { kind: "missing" };
  if (typeof value === "bigint") return { kind: "text", text: String(value) };
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? { kind: "missing" } : { kind: "text", text: value.toISOString().slice(0, 10) };
  }
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const item of value) {
      const f = format(item);
      if (f.kind === "not_text") return { kind: "not_text", what: "a list of objects" };
      if (f.kind === "text" && f.text !== "") parts.push(f.text);
    }
    return { kind: "text", text: parts.join(", ") };
  }
  return { kind: "not_text", what: typeof value === "boolean" ? "a yes/no value" : "an object (name one of its fields)" };
}

/**
 * Renders one template string. Unresolved variables (and syntax errors) become issues and
 * render as nothing; with a syntax error the whole text is empty.
 */
export function renderTemplate(template: string, data: RenderData, options: RenderTemplateOptions): RenderedText {
  const field = options.field ?? "body";
  const parsed = parseTemplate(template);
  if (!parsed.ok) {
    return {
      text: "",
      issues: [
        {
          code: "template_syntax",
          severity: "error",
          field,
          message: `${field}: template error at character ${parsed.error.offset + 1}: ${parsed.error.message}`,
        },
      ],
      variables: {},
      choices: [],
    };
  }
  const scope = buildScope(data);
  const issues: LintIssue[] = [];
  const variables: Record<string, string> = {};
  const choices: number[] = [];
  const reported = new Set<string>();

  const report = (issue: LintIssue) => {
    const key = `${issue.code}:${issue.variable ?? ""}`;
    if (!reported.has(key)) issues.push(issue);
    reported.add(key);
  };

  const renderNodes = (nodes: readonly TemplateNode[]): string => {
    let out = "";
    for (const node of nodes) {
      if (node.type === "text") {
        out += node.value;
      } else if (node.type === "spin") {
        const ordinal = choices.length;
        const index = stableHash53(`${options.seed}\u0000${field}\u0000${ordinal}`) % node.options.length;
        choices.push(index);
        out += renderNodes(node.options[index] ?? []);
      } else {
        const found = lookup(scope, node.path);
        const formatted: Formatted = found.found ? format(found.value) : { kind: "missing" };
        if (formatted.kind === "text" && formatted.text !== "") {
          variables[node.path] = formatted.text;
          out += formatted.text;
        } else if (node.fallback !== undefined) {
          variables[node.path] = node.fallback;
          out += node.fallback;
        } else if (formatted.kind === "not_text") {
          report({
            code: "unresolved_variable",
            severity: "error",
            field,
            variable: node.path,
            message: `${field}: {{${node.path}}} is ${formatted.what}, not text`,
          });
        } else if (formatted.kind === "text" || (found.found && formatted.kind === "missing")) {
          report({
            code: "empty_variable",
            severity: "error",
            field,
            variable: node.path,
            message: `${field}: {{${node.path}}} is empty for this contact and has no fallback (write {{${node.path}|…}})`,
          });
        } else {
          report({
            code: "unresolved_variable",
            severity: "error",
            field,
            variable: node.path,
            message: `${field}: {{${node.path}}} has no value for this contact and no fallback (write {{${node.path}|…}})`,
          });
        }
      }
    }
    return out;
  };

  const raw = renderNodes(parsed.nodes);
  // An empty variable or spintax option can leave two spaces between words.
  const text = raw.replace(/(\S)[ \t]{2,}(?=\S)/g, "$1 ").trim();
  return { text, issues, variables, choices };
}
