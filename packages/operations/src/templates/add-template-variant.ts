/**
 * Add a copy variant to a step: a new draft template beside the step's offer template, labelled
 * (`B`, `C`, …; the first becomes `A`). It is linted now and approved like any template
 * (`approveTemplates`); an experiment of kind `copy_variants` then compares the step's variants.
 */
import { lintTemplate, type LintResult } from "@offerlab/copy";
import { ValidationError, type FieldIssue } from "@offerlab/core";
import { messageTemplates, resolve, type MessageTemplate } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export interface AddTemplateVariantInput {
  /** The step's template (id, its first 8 characters, or name). */
  template: string;
  /** The variant's label: letters, digits, - or _ (e.g. `B`). */
  variant: string;
  body: string;
  /** Email only; default the source's subject. */
  subject?: string;
  /** Default "<source name> (<variant>)". */
  name?: string;
}

export interface AddTemplateVariantResult {
  template: MessageTemplate;
  source: MessageTemplate;
  /** The new variant's lint: errors block its approval, warnings do not. */
  lint: LintResult;
}

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export async function addTemplateVariant(ctx: OperationContext, input: AddTemplateVariantInput): Promise<AddTemplateVariantResult> {
  const issues: FieldIssue[] = [];
  const variant = typeof input.variant === "string" ? input.variant.trim() : "";
  if (!LABEL_RE.test(variant)) issues.push({ field: "variant", message: `"${variant}" must be 1–32 letters, digits, - or _ (e.g. B)` });
  const body = typeof input.body === "string" ? input.body : "";
  if (body.trim() === "") issues.push({ field: "body", message: "is required: the variant's copy" });
  if (issues.length) throw new ValidationError("template variant", issues);
  return inTransaction(ctx.db, async (trx) => {
    const source = await resolve.template(trx, input.template);
    const created = await messageTemplates.addVariant(trx, {
      templateId: source.id,
      variant,
      body,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
    });
    const t = created.template;
    const lint = lintTemplate({ channel: t.channel, subject: t.subject, body: t.body, sequence_step: t.sequence_step });
    return { ...created, lint };
  });
}
