import { formatLintResult, lintTemplate, type LintResult } from "@offerlab/copy";
import { MessageChannel, MessageTemplateStatus } from "@offerlab/core";
import { messageTemplates, resolve, type MessageTemplate } from "@offerlab/db";
import { addTemplateVariant, approveTemplates } from "@offerlab/operations";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { enumFlag, examples, withDb, withOperation } from "./product-helpers.js";

function lintOf(t: Pick<MessageTemplate, "channel" | "subject" | "body" | "sequence_step">): LintResult {
  return lintTemplate({ channel: t.channel, subject: t.subject, body: t.body, sequence_step: t.sequence_step });
}

function oneLine(text: string | null, max: number): string {
  if (!text) return "";
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `offerlab templates …`: review and approve the message templates the planner sends from. */
export function registerTemplateCommands(program: Command, io: Io): void {
  const cmd = program.command("templates").description("Message templates: review the copy, approve what may be sent");

  cmd
    .command("list")
    .description("List templates with their status and lint (✖ errors block approval, ⚠ warnings do not)")
    .option("--offer <offer>", "only this offer (id, slug or name)")
    .option("--status <status>", `only this status: ${MessageTemplateStatus.options.join(", ")} (default: all but archived)`)
    .option("--channel <channel>", `only this channel: ${MessageChannel.options.join(", ")}`)
    .option("--full", "print each template in full, with its lint messages")
    .option("--json", "print the templates, with their lint, as JSON")
    .addHelpText(
      "after",
      examples([
        "offerlab templates list --offer ai-sales-coach",
        "offerlab templates list --status draft --full",
        "offerlab templates list --channel email --json",
      ]),
    )
    .action(async (o: { offer?: string; status?: string; channel?: string; full?: boolean; json?: boolean }) => {
      const status = enumFlag("--status", o.status, MessageTemplateStatus.options);
      const channel = enumFlag("--channel", o.channel, MessageChannel.options);
      const rows = await withDb(io, async (db) => {
        const offerId = o.offer ? (await resolve.offer(db, o.offer)).id : undefined;
        return messageTemplates.list(db, {
          ...(offerId ? { offerId } : {}),
          ...(status ? { status } : {}),
          ...(channel ? { channel } : {}),
        });
      });
      const withLint = rows.map((r) => ({ ...r, lint: lintOf(r) }));
      if (o.json) {
        io.stdout(json(withLint.map((r) => ({ ...r, lint: { ok: r.lint.ok, errors: r.lint.errors, warnings: r.lint.warnings } }))));
        return;
      }
      if (rows.length === 0) {
        io.stdout("No templates. Generate copy with `offerlab offers new`, or change the filters.\n");
        return;
      }
      if (o.full) {
        for (const r of withLint) {
          io.stdout(
            `[${r.id.slice(0, 8)}] ${r.offer_slug} · ${r.name} · ${r.channel}${r.sequence_step ? ` step ${r.sequence_step}` : ""}${r.variant ? ` variant ${r.variant}` : ""}${r.campaign_slug ? ` · campaign ${r.campaign_slug}` : ""} · ${r.status}\n`,
          );
          if (r.subject) io.stdout(`  subject: ${r.subject}\n`);
          io.stdout(
            `${r.body
              .split("\n")
              .map((l) => `  ${l}`)
              .join("\n")}\n`,
          );
          io.stdout(`  lint: ${formatLintResult(r.lint).split("\n").join("\n        ")}\n\n`);
        }
        return;
      }
      io.stdout(
        table(
          withLint.map((r) => ({
            id: r.id.slice(0, 8),
            offer: r.offer_slug,
            campaign: r.campaign_slug ?? "",
            channel: r.channel,
            step: r.sequence_step ?? "any",
            variant: r.variant ?? "",
            status: r.status,
            lint: r.lint.errors.length ? `✖ ${r.lint.errors.length}` : r.lint.warnings.length ? `⚠ ${r.lint.warnings.length}` : "ok",
            text: oneLine(r.subject ? `${r.subject} | ${r.body}` : r.body, 60),
          })),
          [
            { key: "id" },
            { key: "offer", max: 20, drop: 1 },
            { key: "campaign", max: 24, drop: 2 },
            { key: "channel" },
            { key: "step" },
            { key: "variant" },
            { key: "status" },
            { key: "lint" },
            { key: "text" },
          ],
          io,
        ),
      );
    });

  cmd
    .command("approve")
    .description("Approve templates so the planner may send them; a template with a lint error is refused")
    .argument("[templates...]", "templates by id, the first 8 characters of the id as `templates list` shows them, or name")
    .option("--offer <offer>", "approve every draft template of this offer (id, slug or name)")
    .option("--json", "print what was approved as JSON")
    .addHelpText(
      "after",
      `
Each template is linted first (template syntax, unknown variables, empty body, missing first
subject, over the channel's length limit); if any has an error, nothing is approved. Warnings
(links, spam words) are shown and do not block. Archived templates (copy that was replaced) cannot
be approved.
${examples(["offerlab templates approve 3f0c9a1b 77d2e4c0", "offerlab templates approve --offer ai-sales-coach"])}`,
    )
    .action(async (ids: string[], o: { offer?: string; json?: boolean }) => {
      if (ids.length === 0 && !o.offer)
        throw new CliError("name templates to approve (ids or names from `offerlab templates list`) or pass --offer <offer>", EXIT.usage);
      if (ids.length > 0 && o.offer) throw new CliError("pass template ids or --offer, not both", EXIT.usage);
      const result = await withOperation(io, (ctx) => approveTemplates(ctx, o.offer ? { offer: o.offer } : { templates: ids }));
      if (o.json) {
        io.stdout(json(result));
        return;
      }
      for (const t of result.approved)
        io.stdout(`Approved [${t.id.slice(0, 8)}] ${t.name} (${t.channel}${t.sequence_step ? ` step ${t.sequence_step}` : ""}).\n`);
      if (result.unchanged) io.stdout(`${result.unchanged} already approved.\n`);
      for (const w of result.warnings) io.stdout(`⚠ [${w.id.slice(0, 8)}] ${w.name}: ${w.message}\n`);
    });

  cmd
    .command("variant")
    .description("Add a copy variant to a step: a new draft beside the step's template (the first becomes A)")
    .argument("<template>", "the step's offer template: id, its first 8 characters, or name")
    .requiredOption("--label <label>", "the variant's label, e.g. B")
    .requiredOption("--body <text>", "the variant's copy (same variables as templates)")
    .option("--subject <text>", "email: the subject (default the template's)")
    .option("--json", "print the variant and its lint as JSON")
    .addHelpText(
      "after",
      `
Each variant is linted and approved on its own (offerlab templates approve <id>); an experiment of
kind copy_variants then compares them (offerlab experiments new --kind copy_variants --step <n>).
Exit code 2 on invalid input or a label the step has already.
${examples(['offerlab templates variant 3f0c9a1b --label B --body "Hi {{first_name|there}}, one question."'])}`,
    )
    .action(async (ref: string, o: { label: string; body: string; subject?: string; json?: boolean }) => {
      const r = await withOperation(io, (ctx) =>
        addTemplateVariant(ctx, {
          template: ref,
          variant: o.label,
          body: o.body,
          ...(o.subject !== undefined ? { subject: o.subject } : {}),
        }),
      );
      if (o.json) return io.stdout(json(r));
      const t = r.template;
      io.stdout(`Added variant ${t.variant} [${t.id.slice(0, 8)}] ${t.name} (draft; step ${t.sequence_step}).\n`);
      io.stdout(r.lint.ok ? `Approve it: offerlab templates approve ${t.id.slice(0, 8)}\n` : formatLintResult(r.lint) + "\n");
    });
}
