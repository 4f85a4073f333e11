import { lintTemplate } from "@offerlab/copy";
import type { EmailTemplates, FieldIssue, LinkedInTemplates } from "@offerlab/core";
import { templatesFromCopy } from "@offerlab/db";

/**
 * The lint errors of the templates an offer's copy documents describe (template syntax, unknown
 * variables, empty or impossible texts), each named by where it is in the document, so copy that
 * can never be approved is refused when it is saved, not discovered later.
 */
export function copyLintIssues(copy: {
  email_templates?: EmailTemplates | null;
  linkedin_templates?: LinkedInTemplates | null;
}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const t of templatesFromCopy(copy)) {
    const where = t.template_key.startsWith("email.")
      ? `email_templates.sequence[step ${t.sequence_step}]`
      : `linkedin_templates.${t.template_key.slice("linkedin.".length)}`;
    for (const e of lintTemplate({ channel: t.channel, subject: t.subject, body: t.body, sequence_step: t.sequence_step }).errors) {
      issues.push({ field: where, message: e.message });
    }
  }
  return issues;
}
