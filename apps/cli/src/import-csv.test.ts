/**
 * `offerlab import` with messy files: the CSV reader on its own (errors whenever they happen), and
 * the command as a user runs it (the real binary in a child process) on each engine: exit codes,
 * the one-line messages, and nothing written.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createDb, offers } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { CsvError } from "csv-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuplicateHeaderError, parseDelimiter, readCsv, sniffDelimiter } from "./csv.js";
import { cliEntry } from "./test-support/cli-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-import-csv-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A companies file of `rows` good rows, with `bad` in place of row `at` (1 = the first data row). */
function companiesCsv(rows: number, at: number, bad: string): string {
  const lines = ["name,domain,industry"];
  for (let i = 1; i <= rows; i++) lines.push(i === at ? bad : `Company ${i},c${i}.example.com,saas`);
  return `${lines.join("\n")}\n`;
}

const STRAY_QUOTE = 'Acme "Labs,acme-labs.com,saas';
const SHORT_ROW = "Short Inc,short.example.com";

describe("readCsv", () => {
  it("a bad line parsed before anyone reads is thrown by the iteration, not emitted as an unhandled error", async () => {
    const rows = readCsv(write("early.csv", companiesCsv(3, 2, STRAY_QUOTE)));
    // The import checks the offer before it reads: the reader must not run ahead of it.
    await sleep(100);
    const error = await (async () => {
      for await (const row of rows) void row;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).toMatch(/line 3/);
  });

  it("reads a row with a field too few or too many as a row with its problem, and goes on", async () => {
    const rows: unknown[] = [];
    for await (const row of readCsv(write("counts.csv", "name,domain,industry\nA,a.com,saas\nB,b.com\nC,c.com,saas,x\nD,d.com,saas\n")))
      rows.push(row);
    expect(rows).toEqual([
      { record: { name: "A", domain: "a.com", industry: "saas" }, line: 2 },
      { record: { name: "B", domain: "b.com" }, line: 3, problem: "has 2 fields where the header has 3" },
      {
        record: { name: "C", domain: "c.com", industry: "saas" },
        line: 4,
        problem: 'has 4 fields where the header has 3 (quote a value that contains the delimiter, e.g. "Acme, Inc.")',
      },
      { record: { name: "D", domain: "d.com", industry: "saas" }, line: 5 },
    ]);
  });

  it("an error on the file itself is thrown by the iteration too", async () => {
    const rows = readCsv(tmp); // a folder: opening works, reading fails
    await sleep(50);
    await expect(
      (async () => {
        for await (const row of rows) void row;
      })(),
    ).rejects.toMatchObject({ code: "EISDIR" });
  });
});

describe("readCsv headers", () => {
  it("refuses a header that repeats a name, naming each repeated header and its columns", async () => {
    const file = write("dupes.csv", "name,domain,Industry,domain, Industry ,notes\nA,a.com,saas,b.com,fintech,x\n");
    const error = await (async () => {
      for await (const row of readCsv(file)) void row;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateHeaderError);
    expect((error as Error).message).toBe(
      'the header repeats "domain" (columns 2, 4), "Industry" (columns 3, 5): give each column its own name, or remove the copies',
    );
  });

  it("lets blank headers repeat: they name no field", async () => {
    const rows: unknown[] = [];
    for await (const row of readCsv(write("blanks.csv", "name,domain,,\nA,a.com,,\n"))) rows.push(row);
    expect(rows).toEqual([{ record: { name: "A", domain: "a.com", "": "" }, line: 2 }]);
  });
});

describe("delimiters", () => {
  it("reads the delimiter from the header line: semicolon (Excel in many locales), tab, else comma", async () => {
    expect(sniffDelimiter(write("semi.csv", "name;domain;industry\nAcme, Inc.;acme.com;saas\n"))).toBe(";");
    expect(sniffDelimiter(write("tab.tsv", "name\tdomain\tindustry\nAcme; Inc.\tacme.com\tsaas\n"))).toBe("\t");
    // Delimiters inside quotes do not count; a one-column file is comma-separated.
    expect(sniffDelimiter(write("quoted.csv", '"a;b;c;d",domain,industry\nx,y,z\n'))).toBe(",");
    expect(sniffDelimiter(write("one.csv", "domain\nacme.com\n"))).toBe(",");
    const rows: unknown[] = [];
    for await (const row of readCsv(write("semi2.csv", "name;domain\nAcme, Inc.;acme.com\n"))) rows.push(row);
    expect(rows).toEqual([{ record: { name: "Acme, Inc.", domain: "acme.com" }, line: 2 }]);
  });

  it("--delimiter names: comma, semicolon, tab, or one character; anything else is refused", () => {
    expect([
      parseDelimiter("comma"),
      parseDelimiter("Semicolon"),
      parseDelimiter("tab"),
      parseDelimiter("\\t"),
      parseDelimiter("|"),
    ]).toEqual([",", ";", "\t", "\t", "|"]);
    expect(parseDelimiter("pipe")).toBeNull();
    expect(parseDelimiter("toString")).toBeNull();
  });
});

function spawnCli(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe.each(testEngines())("offerlab import of a messy CSV on %s", (engine) => {
  let env: Record<string, string>;
  let t: TestDb | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    if (engine === "postgres") {
      t = await createTestDb("postgres");
      await offers.create(t.db, { name: "Coach", type: "product", ownership: "internal", description: "x" });
      env = { DATABASE_URL: t.url! };
    } else {
      dataDir = path.join(tmp, "data");
      env = { OFFERLAB_DATA_DIR: dataDir };
      const created = spawnCli(
        ["offers", "create", "--name", "Coach", "--type", "product", "--ownership", "internal", "--description", "x"],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  async function companyCount(): Promise<number> {
    const db = t ? t.db : createDb({ dataDir: dataDir!, env: {} });
    try {
      const row = await db
        .selectFrom("companies")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    } finally {
      if (!t) await db.destroy();
    }
  }

  it("a stray quote: exit 2 and one line naming the line, nothing written, every time and at any size", async () => {
    const cases = [
      { file: write("quote-small.csv", companiesCsv(3, 2, STRAY_QUOTE)), line: 3, runs: 3 },
      { file: write("quote-large.csv", companiesCsv(20_000, 19_000, STRAY_QUOTE)), line: 19_001, runs: 2 },
    ];
    for (const c of cases) {
      for (let i = 0; i < c.runs; i++) {
        const res = spawnCli(["import", "companies", c.file, "--offer", "coach"], env);
        expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(res.stderr).toBe(
          `offerlab: ${c.file}: not a readable CSV (Invalid Opening Quote: a quote is found on field "name" at line ${c.line}, value is "Acme "); nothing was imported\n`,
        );
        expect(res.code).toBe(2);
      }
    }
    expect(await companyCount()).toBe(0);
  }, 300_000);

  it("a short row: exit 2 naming its row and line, nothing written, every time and at any size", async () => {
    const cases = [
      { file: write("short-small.csv", companiesCsv(3, 2, SHORT_ROW)), rows: 3, row: 2, runs: 3 },
      { file: write("short-large.csv", companiesCsv(20_000, 19_000, SHORT_ROW)), rows: 20_000, row: 19_000, runs: 2 },
    ];
    for (const c of cases) {
      for (let i = 0; i < c.runs; i++) {
        const res = spawnCli(["import", "companies", c.file, "--offer", "coach"], env);
        expect(res.stderr).not.toMatch(/\n\s+at /);
        expect(res.stderr).toBe(
          `offerlab: ${c.file}: 1 of ${c.rows} rows are invalid; nothing was imported. Fix them, or use --skip-invalid to import the others:\n` +
            `  row ${c.row} (line ${c.row + 1}): has 2 fields where the header has 3\n`,
        );
        expect(res.code).toBe(2);
      }
    }
    expect(await companyCount()).toBe(0);
  }, 300_000);

  it("a 300 kB name or a 5 MB description is an invalid row naming the column, the field and the limit", async () => {
    const file = write(
      "sizes.csv",
      `Company Name,Website,About\n${"x".repeat(300 * 1024)},huge.example.com,fine\nWordy,wordy.example.com,${"d".repeat(5 * 1024 * 1024)}\nFine,fine.example.com,A company.\n`,
    );
    const refused = spawnCli(["import", "companies", file, "--offer", "coach"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `offerlab: ${file}: 2 of 3 rows are invalid; nothing was imported. Fix them, or use --skip-invalid to import the others:\n` +
        `  row 1 (line 2), column "Company Name" (name): must be at most 300 characters (got 307200)\n` +
        `  row 2 (line 3), column "About" (description): must be at most 10000 characters (got 5242880)\n`,
    );
    expect(await companyCount()).toBe(0);
    const skipped = spawnCli(["import", "companies", file, "--offer", "coach", "--skip-invalid", "--json"], env);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rows: 3, invalid: 2, created: 1 });
    expect(await companyCount()).toBe(1);
  }, 300_000);

  it("a header that repeats a name: exit 2 naming the repeated headers, nothing written", async () => {
    const before = await companyCount();
    const file = write("dup-header.csv", "Company,Website,Website\nAcme,acme.example.com,www.acme.example.com\n");
    const res = spawnCli(["import", "companies", file, "--offer", "coach"], env);
    expect(res.stderr).toBe(
      `offerlab: ${file}: the header repeats "Website" (columns 2, 3): give each column its own name, or remove the copies; nothing was imported\n`,
    );
    expect(res.code).toBe(2);
    expect(await companyCount()).toBe(before);
  }, 120_000);

  it("one row with an extra column in 10,000 is an invalid row: all or nothing without --skip-invalid, the 9,999 others with it", async () => {
    const file = write("extra.csv", companiesCsv(10_000, 9_000, "Extra Inc,extra.example.com,saas,unexpected"));
    const before = await companyCount();
    const refused = spawnCli(["import", "companies", file, "--offer", "coach"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `offerlab: ${file}: 1 of 10000 rows are invalid; nothing was imported. Fix them, or use --skip-invalid to import the others:\n` +
        `  row 9000 (line 9001): has 4 fields where the header has 3 (quote a value that contains the delimiter, e.g. "Acme, Inc.")\n`,
    );
    expect(await companyCount()).toBe(before);

    const skipped = spawnCli(["import", "companies", file, "--offer", "coach", "--skip-invalid", "--json"], env);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({
      rows: 10_000,
      invalid: 1,
      created: 9_999,
      written: true,
      errors: [{ row: 9_000, column: "(row)", field: "(row)", message: expect.stringMatching(/^has 4 fields where the header has 3/) }],
    });
    expect(skipped.stderr).toBe(
      "offerlab: skipped 1 invalid row(s):\n" +
        `  row 9000 (line 9001): has 4 fields where the header has 3 (quote a value that contains the delimiter, e.g. "Acme, Inc.")\n`,
    );
    expect(await companyCount()).toBe(before + 9_999);
  }, 300_000);
  it("a tab-separated file imports with --delimiter tab and without it (sniffed); an unknown delimiter is exit 2 naming the choices", async () => {
    const file = write(
      `tabs-${engine}.tsv`,
      "name\tdomain\tindustry\nTab One, Inc.\ttab1.example.com\tsaas\nTab Two\ttab2.example.com\tsaas\n",
    );
    const before = await companyCount();
    const named = spawnCli(["import", "companies", file, "--offer", "coach", "--delimiter", "tab", "--json"], env);
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ offer: "coach", rows: 2, created: 2, invalid: 0, written: true });
    const sniffed = spawnCli(["import", "companies", file, "--offer", "coach", "--json"], env);
    expect(sniffed.code, sniffed.stderr).toBe(0);
    expect(JSON.parse(sniffed.stdout)).toMatchObject({ rows: 2, created: 0, merged: 2 });
    expect(await companyCount()).toBe(before + 2);
    const bad = spawnCli(["import", "companies", file, "--offer", "coach", "--delimiter", "pipe"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('offerlab: --delimiter: must be comma, semicolon, tab or a single character (got "pipe")\n');
  }, 300_000);
});
