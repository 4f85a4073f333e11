import fs from "node:fs";
import path from "node:path";
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS, outcomeKinds, type OutcomeKind } from "@offerlab/core";
import { bookings, outcomes, resolve, type OutcomeListRow, type UnmatchedBooking } from "@offerlab/db";
import { ImportOutcomesRejected, importOutcomes, matchBookings, recordOutcome, type OutcomeRow } from "@offerlab/operations";
import type { Command } from "commander";
import { CsvError } from "csv-parse";
import { DuplicateHeaderError, readCsv } from "../csv.js";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { enumFlag, examples, intFlag, when, withDb, withOperation } from "./product-helpers.js";

const WINDOW_HELP = `attribution window: the outcome counts for the last touch at most this many days before it (default ${DEFAULT_ATTRIBUTION_WINDOW_DAYS})`;

function attributionText(
  o: OutcomeListRow | { campaign_slug?: string | null; campaign_id: string | null; attributed_touch_at: Date | null },
): string {
  if (!o.campaign_id) return "unattributed";
  const slug = ("campaign_slug" in o && o.campaign_slug) || o.campaign_id;
  return o.attributed_touch_at ? `${slug} (last touch ${when(new Date(o.attributed_touch_at))})` : `${slug} (named)`;
}

/** The rows of an outcomes table, for `outcomes list` and `why`. */
export function outcomesTable(rows: readonly OutcomeListRow[], io?: Io): string {
  return table(
    rows.map((o) => ({
      at: when(new Date(o.occurred_at)),
      kind: o.kind,
      person: o.contact_email ?? o.contact_linkedin_url ?? o.contact_id ?? "",
      attributed: attributionText(o),
      step: o.sequence_step ?? "",
      value: o.value !== null ? `${o.value}${o.currency ? ` ${o.currency}` : ""}` : "",
      source: o.source,
      note: o.note ?? "",
    })),
    [
      { key: "at" },
      { key: "kind" },
      { key: "person", keep: true },
      { key: "attributed", title: "campaign", max: 60 },
      { key: "step" },
      { key: "value" },
      { key: "source", drop: 1 },
      { key: "note", max: 40, drop: 2 },
    ],
    io,
  );
}

const TOOL_NAMES: Record<string, string> = { cal_com: "Cal.com", calendly: "Calendly" };

/** The rows of `outcomes unmatched`: bookings whose attendee matched no contact. */
export function unmatchedTable(rows: readonly UnmatchedBooking[], io?: Io): string {
  return table(
    rows.map((b) => ({
      received: when(new Date(b.received_at)),
      tool: TOOL_NAMES[b.source] ?? b.source,
      event: b.event,
      attendee: b.attendee_email ?? b.attendee_name ?? "",
      meeting: when(new Date(b.meeting_at)),
      title: b.title ?? "",
      matched: b.matched_outcome_id ? `yes (${b.matched_outcome_id})` : "no",
    })),
    [
      { key: "received" },
      { key: "tool" },
      { key: "event" },
      { key: "attendee", keep: true },
      { key: "meeting" },
      { key: "title", max: 40, drop: 1 },
      { key: "matched", max: 44 },
    ],
    io,
  );
}

/** `offerlab outcomes record|list|import|unmatched|match`: what happened after the outreach. */
export function registerOutcomeCommands(program: Command, io: Io): void {
  const cmd = program
    .command("outcomes")
    .description("Meetings, conversions and refusals after the outreach, attributed to the last touch before them");

  cmd
    .command("record")
    .description("Record one outcome for a person, attributed to our last touch of them (any offer) within the window")
    .argument("<person>", "an email address, a LinkedIn profile URL or a contact id")
    .requiredOption("--kind <kind>", `what happened: ${outcomeKinds.join(", ")}`)
    .option("--at <time>", "when it happened, ISO 8601 (default: now); for meeting_booked, when it was booked")
    .option("--meeting-at <time>", "when the meeting takes place (meeting_booked)")
    .option("--campaign <campaign>", "attribute to this campaign (id, slug or name) instead of the last touch")
    .option("--value <amount>", "the deal's value (converted)")
    .option("--currency <code>", "ISO 4217 code of --value, e.g. EUR")
    .option("--note <text>", "a note")
    .option("--external-id <id>", "an id from the system it came from: recording it again changes nothing")
    .option("--window-days <days>", WINDOW_HELP)
    .option("--json", "print the outcome as JSON")
    .addHelpText(
      "after",
      `
A booked meeting counts once per person for the attributed campaign, when the person is one of its
people (total_meetings; meeting_rate is meetings per person contacted), and for its offer. The person and their company move to meeting or
converted when their lifecycle allows it (never backwards). Exit code 2: bad input or an unknown person.
${examples([
  "offerlab outcomes record jane@acme.com --kind meeting_booked --at 2026-12-03T14:00:00Z --meeting-at 2026-12-08T15:00:00Z",
  "offerlab outcomes record https://www.linkedin.com/in/jane-doe --kind converted --value 12000 --currency EUR",
  "offerlab outcomes record jane@acme.com --kind not_interested --campaign cold-ai-sales-coach-email-hiring-saas-jane --json",
])}`,
    )
    .action(
      async (
        person: string,
        o: {
          kind: string;
          at?: string;
          meetingAt?: string;
          campaign?: string;
          value?: string;
          currency?: string;
          note?: string;
          externalId?: string;
          windowDays?: string;
          json?: boolean;
        },
      ) => {
        const windowDays = intFlag("--window-days", o.windowDays, 0, 3650);
        const r = await withOperation(io, (ctx) =>
          recordOutcome(ctx, {
            person,
            kind: o.kind,
            ...(o.at !== undefined ? { at: o.at } : {}),
            ...(o.meetingAt !== undefined ? { meetingAt: o.meetingAt } : {}),
            ...(o.campaign !== undefined ? { campaign: o.campaign } : {}),
            ...(o.value !== undefined ? { value: o.value } : {}),
            ...(o.currency !== undefined ? { currency: o.currency } : {}),
            ...(o.note !== undefined ? { note: o.note } : {}),
            ...(o.externalId !== undefined ? { externalId: o.externalId } : {}),
            ...(windowDays !== undefined ? { windowDays } : {}),
          }),
        );
        if (o.json) {
          io.stdout(json(r));
          return;
        }
        const out = [
          r.created
            ? `Recorded ${r.outcome.kind} for ${person} at ${when(new Date(r.outcome.occurred_at))} UTC.`
            : `Already recorded (external id ${r.outcome.external_id}): nothing changed.`,
          `  campaign: ${attributionText({ ...r.outcome, campaign_slug: r.campaignSlug })}`,
          ...(r.countedMeeting ? ["  counted as a meeting for the campaign and its offer"] : []),
          ...(r.contactStatus ? [`  person: ${r.contactStatus.from} → ${r.contactStatus.to}`] : []),
          ...(r.companyStatus ? [`  company: ${r.companyStatus.from} → ${r.companyStatus.to}`] : []),
          ...(r.sequencesStopped
            ? [
                `  sequence stopped: ${r.sequencesStopped} running sequence(s) of the person ended, ${r.sendsCancelled} unsent send(s) cancelled`,
              ]
            : []),
        ];
        io.stdout(`${out.join("\n")}\n`);
      },
    );

  cmd
    .command("list")
    .description("List outcomes, most recent first")
    .option("--campaign <campaign>", "only this campaign's (id, slug or name)")
    .option("--kind <kind>", `only this kind: ${outcomeKinds.join(", ")}`)
    .option("--json", "print the outcomes as JSON")
    .addHelpText(
      "after",
      examples([
        "offerlab outcomes list",
        "offerlab outcomes list --campaign cold-ai-sales-coach-email-hiring-saas-jane --kind meeting_booked --json",
      ]),
    )
    .action(async (o: { campaign?: string; kind?: string; json?: boolean }) => {
      const kind = enumFlag<OutcomeKind>("--kind", o.kind, outcomeKinds);
      const rows = await withDb(io, async (db) => {
        const campaignId = o.campaign ? (await resolve.campaign(db, o.campaign)).id : undefined;
        return outcomes.list(db, { ...(campaignId ? { campaignId } : {}), ...(kind ? { kind } : {}) });
      });
      if (o.json) io.stdout(json(rows));
      else if (rows.length === 0) io.stdout("No outcomes yet. Record one with offerlab outcomes record.\n");
      else io.stdout(outcomesTable(rows, io));
    });

  cmd
    .command("import")
    .description("Record outcomes from a CSV file (source csv); any invalid row means nothing is recorded unless --skip-invalid")
    .argument("<file>", "the CSV file: a header row, then one outcome per row")
    .option("--skip-invalid", "record the valid rows and report the others (default: any invalid row means nothing is recorded)")
    .option("--window-days <days>", WINDOW_HELP)
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      `
Columns: person (or email, linkedin_url, contact_id), kind, at, meeting_at, campaign, value,
currency, note, external_id. A row whose external_id was recorded before changes nothing, so
importing a file again is harmless.
${examples(["offerlab outcomes import meetings.csv", "offerlab outcomes import crm-export.csv --skip-invalid --json"])}`,
    )
    .action(async (file: string, o: { skipInvalid?: boolean; windowDays?: string; json?: boolean }) => {
      const windowDays = intFlag("--window-days", o.windowDays, 0, 3650);
      const full = path.resolve(io.cwd, file);
      if (!fs.existsSync(full) || !fs.statSync(full).isFile()) throw new CliError(`cannot read ${full}: no such file`, EXIT.usage);
      const rows: OutcomeRow[] = [];
      try {
        for await (const row of readCsv(full)) {
          if (row.problem) throw new CliError(`${file}: line ${row.line}: ${row.problem}; nothing was recorded`, EXIT.usage);
          rows.push(row.record);
        }
      } catch (error) {
        if (error instanceof DuplicateHeaderError) throw new CliError(`${file}: ${error.message}; nothing was recorded`, EXIT.usage);
        if (error instanceof CsvError)
          throw new CliError(`${file}: not a readable CSV (${error.message}); nothing was recorded`, EXIT.usage);
        throw error;
      }
      try {
        const s = await withOperation(io, (ctx) =>
          importOutcomes(ctx, {
            rows,
            ...(o.skipInvalid ? { skipInvalid: true } : {}),
            ...(windowDays !== undefined ? { windowDays } : {}),
          }),
        );
        if (o.json) io.stdout(json({ file, ...s }));
        else
          io.stdout(
            `Recorded ${s.recorded} of ${s.rows} outcome(s) from ${file} (${s.duplicates} already recorded, ${s.meetingsCounted} meeting(s) counted).\n`,
          );
        if (s.invalid > 0)
          io.stderr(`offerlab: skipped ${s.invalid} invalid row(s):\n${s.errors.map((e) => `  row ${e.row}: ${e.message}`).join("\n")}\n`);
      } catch (error) {
        if (!(error instanceof ImportOutcomesRejected)) throw error;
        const s = error.summary;
        if (o.json) io.stdout(json({ file, ...s }));
        throw new CliError(
          `${file}: ${s.invalid} of ${s.rows} rows are invalid; nothing was recorded. Fix them, or use --skip-invalid to record the others:\n` +
            s.errors.map((e) => `  row ${e.row}: ${e.message}`).join("\n"),
          EXIT.usage,
        );
      }
    });
  registerUnmatchedBookingCommands(cmd, io);
}

export function registerUnmatchedBookingCommands(cmd: Command, io: Io): void {
  cmd
    .command("unmatched")
    .description("List meetings booked through Cal.com or Calendly whose attendee matched no contact (kept, never dropped)")
    .option("--all", "also list those matched since (default: only the open ones)")
    .option("--json", "print the bookings as JSON, raw payload included")
    .addHelpText(
      "after",
      `
The webhook server keeps a booking whose attendees match no contact (by normalised email, across
offers) in unmatched_bookings, once per booking and event. Import the person, then run
offerlab outcomes match to record the meeting for them.
${examples(["offerlab outcomes unmatched", "offerlab outcomes unmatched --all --json"])}`,
    )
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const rows = await withDb(io, (db) => bookings.listUnmatched(db, { open: !o.all }));
      if (o.json) io.stdout(json(rows));
      else if (rows.length === 0) io.stdout(o.all ? "No unmatched bookings.\n" : "No open unmatched bookings.\n");
      else io.stdout(unmatchedTable(rows, io));
    });

  cmd
    .command("match")
    .description("Record the unmatched bookings whose attendee is a contact now (after an import), attributed as of the booking")
    .option("--window-days <days>", WINDOW_HELP)
    .option("--json", "print the result as JSON")
    .addHelpText("after", examples(["offerlab outcomes match", "offerlab outcomes match --json"]))
    .action(async (o: { windowDays?: string; json?: boolean }) => {
      const windowDays = intFlag("--window-days", o.windowDays, 0, 3650);
      const r = await withOperation(io, (ctx) => matchBookings(ctx, windowDays !== undefined ? { windowDays } : {}));
      if (o.json) io.stdout(json(r));
      else
        io.stdout(
          `Matched ${r.matched.length} of ${r.checked} unmatched booking(s)${r.matched.length ? `: ${r.matched.map((m) => m.attendee).join(", ")}` : ""}; ${r.stillUnmatched} still unmatched.\n`,
        );
    });
}
