/**
 * Import: 100k contacts from a CSV file with dedupe, the way `offerlab import contacts` runs it
 * (csv-parse streaming the file into the `importRecords` operation: the offer by slug, header
 * mapping, per-row validation with core's schemas, normalised dedupe in the file and against
 * stored rows, companies found or created by domain, each batch staged in one statement per table
 * and merged set-based, in one transaction), next to two baselines measured in the same run on the
 * same file:
 *
 * - `COPY` of the same rows into a staging table of text columns: the database's own ingest limit,
 *   with no validation, no dedupe and no companies;
 * - `COPY` + SQL: the staging table, then companies and contacts written by two INSERT … SELECT
 *   with normalised dedupe (lower(email), lower(domain)): roughly the best a hand-written SQL
 *   import could do, with none of the row-level checks and error report.
 *
 * Each round uses a fresh database. The file has 2% repeated people (same email, other case and
 * spacing) across 2,000 companies.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { offers } from "@offerlab/db";
import { importRecords } from "@offerlab/operations";
import { parse } from "csv-parse";
import { sql } from "kysely";
import { freshDb, log, postgresVersion, printTable, roundsOr, scaled, stats, timed, writeResult, type Row } from "../lib.js";

const ROWS = scaled(100_000, 500);
const COMPANIES = Math.max(10, Math.round(ROWS / 50));
const ROUNDS = roundsOr(3);
const HEADERS = ["First Name", "Last Name", "Email", "Title", "LinkedIn URL", "Company", "Website"];

function csvFile(): { file: string; unique: number } {
  const file = path.join(os.tmpdir(), `offerlab-bench-import-${process.pid}.csv`);
  const out = fs.openSync(file, "w");
  fs.writeSync(out, HEADERS.join(",") + "\n");
  const titles = ["VP Sales", "Head of Sales", "Sales Manager", "Account Executive", "CRO", "SDR Manager"];
  const emails = new Set<string>();
  let chunk = "";
  for (let i = 0; i < ROWS; i++) {
    // Every 50th row repeats an earlier person with the address written differently.
    const n = i % 50 === 49 ? i - 17 : i;
    const c = n % COMPANIES;
    const email = `person${n}@company${c}.example`;
    emails.add(email);
    const written = n === i ? email : `  ${email.toUpperCase()} `;
    chunk += `Person${n},"Last, ${n}",${written},${titles[n % titles.length]},https://www.linkedin.com/in/person-${n},"Company ${c}",https://www.company${c}.example/\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(out, chunk);
      chunk = "";
    }
  }
  fs.writeSync(out, chunk);
  fs.closeSync(out);
  return { file, unique: emails.size };
}

async function offerlabImport(file: string) {
  const b = await freshDb("import_offerlab");
  try {
    const offer = await offers.create(b.db, { name: "Bench import", type: "product", ownership: "internal", description: "benchmark" });
    const rows = fs.createReadStream(file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true }));
    const cpu = process.cpuUsage();
    const { ms, value: result } = await timed(() => importRecords({ db: b.db }, { kind: "contacts", offer: offer.slug!, rows }));
    const used = process.cpuUsage(cpu);
    // The Node process's CPU time (every thread: the reader, the checks, garbage collection).
    const nodeCpuMs = (used.user + used.system) / 1000;
    const value = result.summary;
    const stored = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM contacts`.execute(b.db)).rows[0]!.n);
    return { ms, summary: value, stored, nodeCpuMs };
  } finally {
    await b.drop();
  }
}

const STAGE = sql.raw(
  `CREATE TABLE stage (first_name text, last_name text, email text, title text, linkedin_url text, company text, website text)`,
);

async function copyOnly(file: string) {
  const b = await freshDb("import_copy");
  try {
    await sql`${STAGE}`.execute(b.db);
    // Server-side COPY reads the file itself (we connect as a superuser with trust auth).
    const { ms } = await timed(() => sql`COPY stage FROM ${sql.lit(file)} WITH (FORMAT csv, HEADER true)`.execute(b.db));
    return { ms };
  } finally {
    await b.drop();
  }
}

async function copyAndSql(file: string) {
  const b = await freshDb("import_copy_sql");
  try {
    const offer = await offers.create(b.db, { name: "Bench import", type: "product", ownership: "internal", description: "benchmark" });
    await sql`${STAGE}`.execute(b.db);
    const { ms } = await timed(async () => {
      await sql`COPY stage FROM ${sql.lit(file)} WITH (FORMAT csv, HEADER true)`.execute(b.db);
      await b.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO companies (offer_id, name, domain, source_tool)
          SELECT DISTINCT ON (d) ${offer.id}::uuid, company, d, 'import'
          FROM (SELECT company, regexp_replace(lower(website), '^https?://(www\\.)?([^/]+).*$', '\\2') AS d FROM stage) s
          ORDER BY d
          ON CONFLICT DO NOTHING`.execute(trx);
        await sql`INSERT INTO contacts (offer_id, company_id, first_name, last_name, full_name, email, title, linkedin_url, source_tool)
          SELECT DISTINCT ON (e) ${offer.id}::uuid, co.id, s.first_name, s.last_name, s.first_name || ' ' || s.last_name, e, s.title, s.linkedin_url, 'import'
          FROM (SELECT *, lower(trim(email)) AS e, regexp_replace(lower(website), '^https?://(www\\.)?([^/]+).*$', '\\2') AS d FROM stage) s
          JOIN companies co ON co.offer_id = ${offer.id}::uuid AND co.domain = s.d
          ORDER BY e
          ON CONFLICT DO NOTHING`.execute(trx);
      });
    });
    const stored = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM contacts`.execute(b.db)).rows[0]!.n);
    return { ms, stored };
  } finally {
    await b.drop();
  }
}

export async function run(): Promise<void> {
  const { file, unique } = csvFile();
  log(`wrote ${ROWS} rows (${unique} distinct people, ${COMPANIES} companies) to ${file}`);
  try {
    const ours: number[] = [];
    const copy: number[] = [];
    const copySql: number[] = [];
    let summary: Awaited<ReturnType<typeof offerlabImport>> | undefined;
    let copyStored = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const o = await offerlabImport(file);
      summary = o;
      ours.push((ROWS / o.ms) * 1000);
      log(
        `offerlab import round ${r + 1}: ${o.ms.toFixed(0)} ms (Node CPU ${o.nodeCpuMs.toFixed(0)} ms), ${o.stored} contacts stored (${o.summary.duplicatesInFile} duplicates in the file)`,
      );
      const c = await copyOnly(file);
      copy.push((ROWS / c.ms) * 1000);
      log(`COPY round ${r + 1}: ${c.ms.toFixed(0)} ms`);
      const cs = await copyAndSql(file);
      copyStored = cs.stored;
      copySql.push((ROWS / cs.ms) * 1000);
      log(`COPY + SQL round ${r + 1}: ${cs.ms.toFixed(0)} ms, ${cs.stored} contacts stored`);
    }
    const s = { ours: stats(ours), copy: stats(copy), copySql: stats(copySql) };
    const rows: Row[] = [
      {
        import: "offerlab importRecords (validated, deduped)",
        "rows/s (median)": s.ours.median,
        "min–max": `${s.ours.min.toFixed(0)}–${s.ours.max.toFixed(0)}`,
        "s per 100k": 100_000 / s.ours.median,
        "× COPY": s.ours.median / s.copy.median,
        "× COPY + SQL": s.ours.median / s.copySql.median,
      },
      {
        import: "COPY + INSERT…SELECT with dedupe",
        "rows/s (median)": s.copySql.median,
        "min–max": `${s.copySql.min.toFixed(0)}–${s.copySql.max.toFixed(0)}`,
        "s per 100k": 100_000 / s.copySql.median,
        "× COPY": s.copySql.median / s.copy.median,
        "× COPY + SQL": 1,
      },
      {
        import: "COPY into a staging table (no checks)",
        "rows/s (median)": s.copy.median,
        "min–max": `${s.copy.min.toFixed(0)}–${s.copy.max.toFixed(0)}`,
        "s per 100k": 100_000 / s.copy.median,
        "× COPY": 1,
        "× COPY + SQL": s.copy.median / s.copySql.median,
      },
    ];
    printTable(`Import: ${ROWS} contact rows from CSV (${unique} distinct), ${ROUNDS} rounds, a fresh database each`, rows);
    const b = await freshDb("import_version", { migrate: false });
    const version = await postgresVersion(b);
    await b.drop();
    writeResult("import", {
      postgres: version,
      parameters: { rows: ROWS, distinct_people: unique, companies: COMPANIES, rounds: ROUNDS },
      stored: { offerlab: summary?.stored, copy_sql: copyStored },
      offerlab_summary: summary && {
        created: summary.summary.created,
        merged: summary.summary.merged,
        duplicatesInFile: summary.summary.duplicatesInFile,
        companiesCreated: summary.summary.companiesCreated,
        invalid: summary.summary.invalid,
      },
      results: {
        offerlab_rows_per_s: s.ours,
        copy_rows_per_s: s.copy,
        copy_sql_rows_per_s: s.copySql,
        offerlab_vs_copy: s.ours.median / s.copy.median,
        offerlab_vs_copy_sql: s.ours.median / s.copySql.median,
      },
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}
