import fs from "node:fs";
import path from "node:path";
import { OfferStatus, ValidationError } from "@offerlab/core";
import { offers } from "@offerlab/db";
import type { Command } from "commander";
import YAML from "yaml";
import { openDatabase } from "../database.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";

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
    ["positioning", o.positioning ? "yes" : "not generated yet"],
    ["icp", o.icp ? "yes" : "not generated yet"],
    ["totals", `${o.total_companies} companies, ${o.total_contacts} contacts, ${o.total_sent} sent, ${o.total_replies} replies, ${o.total_meetings} meetings`],
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
    .option("--if-not-exists", "when an offer with the same slug exists, leave it unchanged and exit 0");
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
      const { OfferCreateInput } = await import("@offerlab/db");
      const check = OfferCreateInput.safeParse(input);
      if (!check.success) {
        const { toFieldIssues } = await import("@offerlab/core");
        throw new ValidationError("offer", toFieldIssues(check.error));
      }
      const db = await openDatabase(io);
      try {
        if (opts.ifNotExists) {
          const { slugify } = await import("@offerlab/core");
          const existing = await offers.get(db, typeof input.slug === "string" ? input.slug : slugify(String(input.name), 60));
          if (existing) {
            io.stdout(opts.json ? json(existing) : `Offer ${existing.slug} already exists (${existing.id}); left unchanged.\n`);
            return;
          }
        }
        const offer = await offers.create(db, input);
        io.stdout(opts.json ? json(offer) : `Created offer ${offer.slug} (${offer.id}), status ${offer.status}.\n`);
      } finally {
        await db.destroy();
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
        if (!parsed.success) throw new CliError(`--status: must be one of ${OfferStatus.options.join(", ")} (got "${opts.status}")`, EXIT.usage);
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
            table(rows, [
              { key: "slug", max: 32 },
              { key: "name", max: 40 },
              { key: "type" },
              { key: "ownership" },
              { key: "status" },
              { key: "created_at", title: "created" },
            ]),
          );
        }
      } finally {
        await db.destroy();
      }
    });

  cmd
    .command("show")
    .description("Show one offer")
    .argument("<id-or-slug>", "the offer's id or slug")
    .option("--json", "print the offer as JSON")
    .action(async (idOrSlug: string, opts: { json?: boolean }) => {
      const db = await openDatabase(io);
      try {
        const offer = await offers.get(db, idOrSlug);
        if (!offer) throw new CliError(`no offer with id or slug "${idOrSlug}" (see \`offerlab offers list\`)`, EXIT.failure);
        io.stdout(opts.json ? json(offer) : showOffer(offer));
      } finally {
        await db.destroy();
      }
    });
}
