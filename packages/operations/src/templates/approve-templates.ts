/**
 * Approve message templates so the planner may send them. Each is linted first; if any has an
 * error (or is archived), nothing is approved. Warnings are returned and do not block.
 */
import { lintTemplate } from "@offerlab/copy";
import { ValidationError, type FieldIssue } from "@offerlab/core";
import { messageTemplates, resolve, type MessageTemplate } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";

/** Either templates by reference (id, id prefix or name) or every draft template of an offer. */
export type ApproveTemplatesInput = { templates: readonly string[]; offer?: undefined } | { offer: string; templates?: undefined };

export interface ApproveTemplatesResult {
  approved: MessageTemplate[];
  /** Templates named that were approved already. */
  unchanged: number;
  warnings: { id: string; name: string; message: string }[];
}

const lintOf = (t: MessageTemplate) =>
  lintTemplate({ channel: t.channel, subject: t.subject, body: t.body, sequence_step: t.sequence_step });

export async function approveTemplates(ctx: OperationContext, input: ApproveTemplatesInput): Promise<ApproveTemplatesResult> {
  const refs = input.templates ?? [];
  if (input.offer === undefined && refs.length === 0) {
    throw new ValidationError("templates", [
      { field: "templates", message: "name templates to approve (ids or names), or an offer whose drafts to approve" },
    ]);
  }
  if (input.offer !== undefined && refs.length > 0) {
    throw new ValidationError("templates", [{ field: "templates", message: "name templates or an offer, not both" }]);
  }
  return inTransaction(ctx.db, async (trx) => {
    let chosen: MessageTemplate[];
    if (input.offer !== undefined) {
      const offer = await resolve.offer(trx, input.offer);
      chosen = await messageTemplates.list(trx, { offerId: offer.id, status: "draft" });
      if (chosen.length === 0) throw new OperationError("nothing_to_approve", `offer ${offer.slug} has no draft template to approve`);
    } else {
      chosen = await messageTemplates.find(trx, refs);
    }
    const issues: FieldIssue[] = [];
    for (const t of chosen) {
      if (t.status === "archived")
        issues.push({
          field: t.id.slice(0, 8),
          message: `"${t.name}" is archived (its copy was replaced); approve the newer draft instead`,
        });
      for (const e of lintOf(t).errors) issues.push({ field: t.id.slice(0, 8), message: `"${t.name}": ${e.message}` });
    }
    if (issues.length) throw new ValidationError("template", issues);
    const toApprove = chosen.filter((t) => t.status !== "approved");
    const approved = await messageTemplates.setStatus(
      trx,
      toApprove.map((t) => t.id),
      "approved",
    );
    return {
      approved,
      unchanged: chosen.length - toApprove.length,
      warnings: chosen.flatMap((t) => lintOf(t).warnings.map((w) => ({ id: t.id, name: t.name, message: w.message }))),
    };
  });
}
