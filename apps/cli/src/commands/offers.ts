import fs from "node:fs";
import path from "node:path";
import {
  formatLintResult,
  GenerationError,
  lintTemplate,
  linkedInTemplateKeys,
  type LinkedInTemplateKey,
  type LlmOptions,
} from "@offerlab/copy";
import { OfferStatus, type EmailTemplates, type Icp, type LinkedInTemplates, type PositioningCanvas } from "@offerlab/core";
import { offers, resolve, type MessageTemplate, type Offer } from "@offerlab/db";
import {
  checkCreateOffer,
  checkGenerateOffer,
  createOffer,
  editOffer,
  generateOffer,
  setOfferStatus,
  type GenerateOfferResult,
} from "@offerlab/operations";
import { isSandboxEnabled, SANDBOX_BANNER, SANDBOX_ENV } from "@offerlab/sandbox/env";
import { Option, type Command } from "commander";
import YAML from "yaml";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { examples, fields, intFlag, listFlag, readObjectFile, withDb, withOperation } from "./product-helpers.js";

/** Flags of `offers create`, mapped onto the offers columns they set. */
const FLAG_COLUMNS = {
  name: "name",
  slug: "slug",
  type: "type",
  ownership: "ownership",
  clientName: "client_name",
  description: "description",
  problemSolved: "problem_solved",
  valueProposition: "value_proposition",
  priceRange: "price_range",
  status: "status",
} as const;

function readOfferFile(file: string, cwd: string): Record<string, unknown> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch {
    throw new CliError(`--file: cannot read ${full}`, EXIT.usage);
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new CliError(`--file: ${file} is not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(error as Error).message}`, EXIT.usage);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--file: ${file} must contain one offer object (keys such as name, type, ownership, description)`, EXIT.usage);
  }
  // YAML block scalars end in a newline; stored text should not.
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v.trim() : v]));
}

function icpLine(icp: Icp): string {
  return `${icp.buyer.titles.join(", ")} at ${icp.company.verticals.join(", ")} companies of ${icp.company.size_min}-${icp.company.size_max} people`;
}

function showOffer(o: Record<string, unknown>): string {
  const lines = [
    ["id", o.id],
    ["slug", o.slug],
    ["name", o.name],
    ["type", o.type],
    ["ownership", o.ownership === "client" ? `client (${o.client_name})` : o.ownership],
    ["status", o.status],
    ["description", o.description],
    ["problem solved", o.problem_solved],
    ["value proposition", o.value_proposition],
    ["price range", o.price_range],
    ["positioning", (o.positioning as PositioningCanvas | null)?.positioning_statement ?? "not generated yet"],
    ["icp", o.icp ? icpLine(o.icp as Icp) : "not generated yet"],
    [
      "email copy",
      (o.email_templates as EmailTemplates | null) ? `${(o.email_templates as EmailTemplates).sequence.length} email(s)` : "none",
    ],
    ["linkedin copy", (o.linkedin_templates as LinkedInTemplates | null) ? Object.keys(o.linkedin_templates as object).join(", ") : "none"],
    [
      "totals",
      `${o.total_companies} companies, ${o.total_contacts} contacts, ${o.total_sent} sent, ${o.total_replies} replies, ${o.total_meetings} meetings`,
    ],
    ["created", (o.created_at as Date).toISOString()],
  ].filter(([, v]) => v !== null && v !== undefined);
  const w = Math.max(...lines.map(([k]) => String(k).length));
  return lines.map(([k, v]) => `${String(k).padEnd(w)}  ${v}`).join("\n") + "\n";
}

export function registerOfferCommands(program: Command, io: Io): void {
  const cmd = program.command("offers").description("Offers: the products or services being tested");

  const create = cmd
    .command("create")
    .description("Create an offer from flags and/or a YAML or JSON file (flags win over the file)")
    .option("-f, --file <path>", "offer.yaml or offer.json with the offer's fields (snake_case, as in the offers table)")
    .option("--json", "print the created offer as JSON")
    .option("--if-not-exists", "when an offer with the same slug exists, leave it unchanged and exit 0")
    .addHelpText(
      "after",
      examples([
        "offerlab offers create --file examples/offer.yaml",
        'offerlab offers create --name "Fractional RevOps" --type service --ownership client --client-name Acme --description "RevOps for seed teams"',
      ]),
    );
  create
    .option("--name <name>", "offer name (required)")
    .option("--slug <slug>", "URL-friendly id (default: from the name)")
    .option("--type <type>", "product | service (required)")
    .option("--ownership <ownership>", "internal | client (required)")
    .option("--client-name <name>", "the client, when ownership is client")
    .option("--description <text>", "what the offer is (required)")
    .option("--problem-solved <text>", "the problem it solves")
    .option("--value-proposition <text>", "why buyers care")
    .option("--price-range <range>", "e.g. low, mid, high, enterprise")
    .option("--status <status>", `one of ${OfferStatus.options.join(", ")} (default: draft)`)
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const input: Record<string, unknown> = opts.file ? readOfferFile(String(opts.file), io.cwd) : {};
      for (const [flag, column] of Object.entries(FLAG_COLUMNS)) {
        if (opts[flag] !== undefined) input[column] = opts[flag];
      }
      // Validate before opening the database, so bad input never creates or migrates anything.
      checkCreateOffer({ offer: input });
      // The same path as `offers new`: copy in the file becomes draft templates to approve.
      const result = await withOperation(io, (ctx) => createOffer(ctx, { offer: input, ifNotExists: opts.ifNotExists === true }));
      const { offer, templates } = result;
      if (!result.created) {
        io.stdout(opts.json ? json(offer) : `Offer ${offer.slug} already exists (${offer.id}); left unchanged.\n`);
        return;
      }
      if (opts.json) {
        io.stdout(json({ ...offer, templates }));
        return;
      }
      io.stdout(`Created offer ${offer.slug} (${offer.id}), status ${offer.status}.\n`);
      if (templates.length) {
        io.stdout(
          `${templates.length} draft template(s) from its copy: review them with \`offerlab templates list --offer ${offer.slug}\`, approve with \`offerlab templates approve --offer ${offer.slug}\`.\n`,
        );
      }
    });

  cmd
    .command("list")
    .description("List offers, newest first")
    .option("--status <status>", `only offers with this status (${OfferStatus.options.join(", ")})`)
    .option("--json", "print the offers as JSON")
    .action(async (opts: { status?: string; json?: boolean }) => {
      let status: OfferStatus | undefined;
      if (opts.status !== undefined) {
        const parsed = OfferStatus.safeParse(opts.status);
        if (!parsed.success)
          throw new CliError(`--status: must be one of ${OfferStatus.options.join(", ")} (got "${opts.status}")`, EXIT.usage);
        status = parsed.data;
      }
      const db = await openDatabase(io);
      try {
        const rows = await offers.list(db, status ? { status } : {});
        if (opts.json) {
          io.stdout(json(rows));
        } else if (rows.length === 0) {
          io.stdout("No offers yet. Create one with `offerlab offers create --file offer.yaml`.\n");
        } else {
          io.stdout(
            table(
              rows,
              [
                { key: "slug", max: 32 },
                { key: "name", max: 40 },
                { key: "type", drop: 2 },
                { key: "ownership", drop: 1 },
                { key: "status" },
                { key: "created_at", title: "created", drop: 3 },
              ],
              io,
            ),
          );
        }
      } finally {
        await db.destroy();
      }
    });

  cmd
    .command("show")
    .description("Show one offer")
    .argument("<offer>", "the offer's id, slug or name")
    .option("--json", "print the offer as JSON")
    .action(async (idOrSlug: string, opts: { json?: boolean }) => {
      const db = await openDatabase(io);
      try {
        const offer = await resolve.offer(db, idOrSlug);
        io.stdout(opts.json ? json(offer) : showOffer(offer));
      } finally {
        await db.destroy();
      }
    });

  registerOfferCopyCommands(cmd, io);
}

/** Offer fields `offers new` and `offers edit` take as flags, mapped onto their columns. */
const EDIT_FLAGS = {
  name: "name",
  slug: "slug",
  type: "type",
  ownership: "ownership",
  clientName: "client_name",
  description: "description",
  problemSolved: "problem_solved",
  valueProposition: "value_proposition",
  priceRange: "price_range",
} as const;

function addOfferFieldFlags(cmd: Command): Command {
  return cmd
    .option("--name <name>", "offer name")
    .option("--slug <slug>", "URL-friendly id (default: from the name)")
    .option("--type <type>", "product | service")
    .option("--ownership <ownership>", "internal | client")
    .option("--client-name <name>", "the client, when ownership is client")
    .option("--description <text>", "what the offer is: a few sentences are enough")
    .option("--problem-solved <text>", "the problem it solves")
    .option("--value-proposition <text>", "why buyers care")
    .option("--price-range <range>", "e.g. low, mid, high, enterprise");
}

function flagValues(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, column] of Object.entries(EDIT_FLAGS)) if (opts[flag] !== undefined) out[column] = opts[flag];
  return out;
}

function generationFailure(error: unknown): never {
  if (!GenerationError.isInstance(error)) throw error;
  const detail = error.issues.length ? `\n${error.issues.map((i) => `  - ${i.field}: ${i.message}`).join("\n")}` : "";
  if (error.kind === "not_configured") {
    throw new CliError(
      `${error.message.replace(/^\[copy\] /, "")}; or run with --sandbox (or ${SANDBOX_ENV}=1) to use the simulated LLM. Nothing was written.`,
      EXIT.usage,
    );
  }
  throw new CliError(
    `generation failed (${error.kind}): ${error.message.replace(/^\[copy\] /, "")}${detail}\nNothing was written.`,
    EXIT.failure,
  );
}

/** The copy of an offer in words: positioning, ICP, and every template with its lint. */
function describeCopy(
  offer: Offer,
  templates: readonly Pick<MessageTemplate, "id" | "name" | "channel" | "sequence_step" | "subject" | "body" | "status">[],
): string {
  const out: string[] = [];
  const p = offer.positioning;
  if (p) {
    out.push(
      "Positioning",
      `  ${p.positioning_statement}`,
      `  category: ${p.category.name} (vs ${p.category.competing_with}); ${p.category.differentiator}`,
    );
    out.push(`  problem: ${p.problem.core_problem} — felt by ${p.problem.who_feels_it.join(", ")} (${p.problem.awareness_level})`);
    out.push(
      "  symptoms (score /20):",
      ...p.symptoms.map((s) => `    ${String(s.score.total).padStart(2)}  ${s.signal} — ${s.detection}, ${s.filter}`),
    );
    out.push(
      "  signal stacks:",
      ...p.signal_stacks.map((s) => `    ${s.priority.padEnd(6)} ${s.name}: ${s.signals.join(" + ")} (expected ${s.expected_reply_rate})`),
    );
    out.push(`  disqualifying: ${p.disqualifying_signals.join("; ")}`, "");
  }
  if (offer.icp)
    out.push(
      "ICP",
      `  ${icpLine(offer.icp)}`,
      `  signals: ${offer.icp.company.signals.join(", ")}`,
      `  seniority: ${offer.icp.buyer.seniority.join(", ")}`,
      "",
    );
  if (templates.length) {
    out.push("Templates (drafts until approved)");
    for (const t of templates) {
      const lint = lintTemplate({ channel: t.channel, subject: t.subject, body: t.body, sequence_step: t.sequence_step });
      out.push(`  [${t.id.slice(0, 8)}] ${t.name} (${t.channel}${t.sequence_step ? `, step ${t.sequence_step}` : ""}, ${t.status})`);
      if (t.subject) out.push(`    subject: ${t.subject}`);
      out.push(...t.body.split("\n").map((l) => `    ${l}`));
      if (lint.errors.length || lint.warnings.length)
        out.push(
          ...formatLintResult(lint)
            .split("\n")
            .map((l) => `    ${l}`),
        );
    }
  }
  return out.join("\n") + "\n";
}

function registerOfferCopyCommands(cmd: Command, io: Io): void {
  addOfferFieldFlags(
    cmd
      .command("new")
      .description(
        "Create an offer from a description: generates its positioning canvas, ICP and email/LinkedIn copy, shows them, and saves it as a draft",
      )
      .option("-f, --file <path>", "offer.yaml or offer.json with the offer's fields (flags win)")
      .option("--email-steps <n>", "emails in the generated sequence, 0 for none (default 3)")
      .option(
        "--linkedin <templates>",
        `LinkedIn templates to write, comma-separated: ${linkedInTemplateKeys.join(", ")}, or none (default connection_request,follow_up_dm)`,
      )
      .option("--sandbox", `use the simulated LLM of @offerlab/sandbox (no API key needed; also ${SANDBOX_ENV}=1)`)
      .option("--seed <seed>", "with --sandbox: seed of the simulated LLM's world (default: OFFERLAB_SANDBOX_SEED, else offerlab)")
      .addOption(new Option("--sandbox-seed <seed>", "the older name of --seed").hideHelp())
      .option("--dry-run", "generate and show, but save nothing")
      .option("--json", "print the offer and its templates as JSON"),
  )
    .addHelpText(
      "after",
      `
Type defaults to product and ownership to internal. The model comes from OFFERLAB_LLM
(anthropic:<model> with ANTHROPIC_API_KEY, or openai:<model> with OPENAI_API_KEY); with --sandbox
a simulated model answers instead and every output says so.
${examples([
  'offerlab offers new --name "AI Sales Coach" --description "AI role-play for SaaS reps to practise discovery before live calls"',
  "offerlab offers new --file offer.yaml --email-steps 4 --linkedin connection_request,follow_up_dm,inmail",
  'offerlab offers new --sandbox --name "Fractional RevOps" --type service --description "RevOps for seed-stage SaaS" --json',
])}`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const input: Record<string, unknown> = { ...(opts.file ? readOfferFile(String(opts.file), io.cwd) : {}), ...flagValues(opts) };
      const emailSteps = intFlag("--email-steps", opts.emailSteps as string | undefined, 0, 10) ?? 3;
      const linkedinRaw = opts.linkedin as string | undefined;
      const linkedin: LinkedInTemplateKey[] =
        linkedinRaw === "none" ? [] : (listFlag("--linkedin", linkedinRaw, linkedInTemplateKeys) ?? ["connection_request", "follow_up_dm"]);
      if (emailSteps === 0 && linkedin.length === 0)
        throw new CliError("--email-steps 0 with --linkedin none leaves nothing to write: ask for some copy", EXIT.usage);
      const request = {
        offer: input,
        emailSteps,
        linkedin,
        dryRun: opts.dryRun === true,
        onStep: (what: string) => (opts.json ? undefined : io.stderr(`${what}…\n`)),
      };
      // Validate before any model call or database write.
      checkGenerateOffer(request);
      const sandbox = io.sandbox === true || isSandboxEnabled(io.env, { sandbox: opts.sandbox === true });
      const llm: LlmOptions = { env: io.env };
      if (sandbox) {
        io.stderr(`${SANDBOX_BANNER}\n`);
        // --seed or --sandbox-seed, checked by the program before the action.
        const seed = io.sandboxSeed ?? (io.env.OFFERLAB_SANDBOX_SEED?.trim() || "offerlab");
        // The sandbox (MSW, the simulated world) loads only for a sandbox run.
        const { createSandbox } = await import("@offerlab/sandbox");
        llm.model = createSandbox({ seed, env: io.env }).llm.model;
      }
      let result: GenerateOfferResult;
      try {
        // A dry run reads and writes nothing: the database is not even opened.
        result = opts.dryRun ? await generateOffer({ llm }, request) : await withDb(io, (db) => generateOffer({ db, llm }, request));
      } catch (error) {
        generationFailure(error);
      }
      if (!result.saved) {
        if (opts.json) io.stdout(json({ sandbox, saved: false, offer: result.offer, templates: result.templates }));
        else io.stdout(`${describeCopy(result.offer as unknown as Offer, result.templates)}\nDry run: nothing was saved.\n`);
        return;
      }
      const { offer, templates } = result;
      if (opts.json) {
        io.stdout(json({ sandbox, saved: true, offer, templates }));
        return;
      }
      io.stdout(describeCopy(offer, templates));
      io.stdout(
        `\n${sandbox ? "[SANDBOX] " : ""}Saved offer ${offer.slug} (${offer.id}) as a draft with ${templates.length} draft template(s).\n` +
          `Next: review them with \`offerlab templates list --offer ${offer.slug}\`, approve with \`offerlab templates approve --offer ${offer.slug}\`, ` +
          `then \`offerlab offers status ${offer.slug} ready\`.\n`,
      );
    });

  addOfferFieldFlags(
    cmd
      .command("edit")
      .description("Change an offer's fields or copy; templates whose text changed become new drafts (to approve again)")
      .argument("<offer>", "the offer's id, slug or name")
      .option(
        "-f, --file <path>",
        "YAML or JSON with the fields to change, including positioning, icp, email_templates, linkedin_templates",
      ),
  )
    .option("--json", "print the offer and what happened to its templates as JSON")
    .addHelpText(
      "after",
      examples([
        'offerlab offers edit ai-sales-coach --price-range high --value-proposition "Ramp in half the time"',
        "offerlab offers edit ai-sales-coach --file copy.yaml   # e.g. email_templates: {sequence: [...]}",
      ]),
    )
    .action(async (ref: string, opts: Record<string, string | boolean | undefined>) => {
      const patch: Record<string, unknown> = {
        ...(opts.file ? readObjectFile("--file", String(opts.file), io.cwd) : {}),
        ...flagValues(opts),
      };
      if (Object.keys(patch).length === 0) throw new CliError("nothing to change: pass a field flag (see --help) or --file", EXIT.usage);
      const { offer, templates, changed } = await withOperation(io, (ctx) => editOffer(ctx, { offer: ref, patch }));
      if (opts.json) {
        io.stdout(json({ offer, templates }));
        return;
      }
      io.stdout(`Updated offer ${offer.slug}: ${changed.join(", ")}.\n`);
      if (templates.created.length || templates.archived) {
        io.stdout(
          `Templates: ${templates.created.length} new draft(s), ${templates.kept} unchanged, ${templates.archived} archived. ` +
            `Approve the new drafts with \`offerlab templates approve --offer ${offer.slug}\`.\n`,
        );
      }
    });

  cmd
    .command("status")
    .description("Move an offer through its lifecycle: draft → ready → active ⇄ paused → completed, or killed")
    .argument("<offer>", "the offer's id, slug or name")
    .argument("<status>", `the new status: ${OfferStatus.options.join(", ")}`)
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
ready and active need an ICP and at least one approved template. A killed offer can only go back
to draft. While an offer is paused, completed or killed its campaigns send and plan nothing; they
keep their own status and go on when the offer is active again.
${examples(["offerlab offers status ai-sales-coach ready", "offerlab offers status ai-sales-coach killed --json"])}`,
    )
    .action(async (ref: string, status: string, opts: { json?: boolean }) => {
      const parsed = OfferStatus.safeParse(status);
      if (!parsed.success) throw new CliError(`<status>: must be one of ${OfferStatus.options.join(", ")} (got "${status}")`, EXIT.usage);
      const result = await withOperation(io, (ctx) => setOfferStatus(ctx, { offer: ref, status: parsed.data }));
      if (opts.json) {
        io.stdout(json(result));
        return;
      }
      io.stdout(
        result.previous === parsed.data
          ? `Offer ${result.offer.slug} is already ${parsed.data}.\n`
          : fields([
              ["offer", result.offer.slug],
              ["status", `${result.previous} → ${result.offer.status}`],
            ]),
      );
      if (result.activeCampaigns > 0 && ["paused", "completed", "killed"].includes(parsed.data)) {
        io.stdout(
          `Its ${result.activeCampaigns} active campaign(s) send nothing until the offer is active again (\`offerlab offers status ${result.offer.slug} active\`).\n`,
        );
      }
    });
}
