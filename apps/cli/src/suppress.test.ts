import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { companies, contacts, offers } from "@offerlab/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliDatabase, runCli, type CliDatabase } from "./test-support/cli-db.js";

describe("offerlab suppress", { timeout: 120_000 }, () => {
  // The files the commands read are in `dir`; the database is an embedded one of its own.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-suppress-"));
  let d: CliDatabase | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    d = await cliDatabase("pglite");
    env = d.env;
  });
  afterAll(async () => {
    await d?.drop();
  });

  it("--help shows examples", async () => {
    const help = await runCli(["suppress", "add", "--help"], env, dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/offerlab suppress add jane@acme.com --reason/);
    expect((await runCli(["suppress", "--help"], env, dir)).stdout).toMatch(/offerlab suppress import/);
  });

  it("adds (kind inferred), lists, removes, with --json; bad input exits 2", async () => {
    const added = await runCli(["suppress", "add", "Jane@Acme.com", "--reason", "asked by mail", "--json"], env, dir);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ created: true, suppression: { kind: "email", value: "jane@acme.com" } });
    const domain = await runCli(["suppress", "add", "https://www.beta.io/", "--reason", "customer"], env, dir);
    expect(domain.stdout).toMatch(/Suppressed: domain beta.io/);
    const list = await runCli(["suppress", "list", "--json"], env, dir);
    expect(JSON.parse(list.stdout).map((s: { value: string }) => s.value)).toEqual(["beta.io", "jane@acme.com"]);
    expect((await runCli(["suppress", "list"], env, dir)).stdout).toMatch(/jane@acme.com/);

    expect((await runCli(["suppress", "add", "not-an-email@", "--reason", "x"], env, dir)).code).toBe(2);
    expect((await runCli(["suppress", "add", "acme.com", "--reason", "x", "--kind", "phone"], env, dir)).code).toBe(2);
    expect((await runCli(["suppress", "add", "acme.com"], env, dir)).code).not.toBe(0);

    const removed = await runCli(["suppress", "remove", "beta.io"], env, dir);
    expect(removed).toMatchObject({ code: 0, stdout: "Removed: domain beta.io.\n" });
    // Nothing matches: the not-found exit code (2) and a clear message, with or without --json.
    const missing = await runCli(["suppress", "remove", "beta.io"], env, dir);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toMatch(/suppression "domain beta.io" not found: see offerlab suppress list/);
    const missingJson = await runCli(["suppress", "remove", "beta.io", "--json"], env, dir);
    expect(missingJson).toMatchObject({ code: 2, stdout: "" });
    expect(missingJson.stderr).toMatch(/not found/);
  });

  it("imports a CSV: nothing unless --skip-invalid; why names the entry", async () => {
    const csv = path.join(dir, "list.csv");
    fs.writeFileSync(csv, "value,reason\nops@gamma.io,asked\nbroken@,asked\ndelta.io,competitor\n");
    const refused = await runCli(["suppress", "import", "list.csv"], env, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/row 2/);
    const done = await runCli(["suppress", "import", "list.csv", "--skip-invalid", "--json"], env, dir);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ added: 2, invalid: [{ row: 2 }] });
    expect((await runCli(["suppress", "import", "missing.csv"], env, dir)).code).toBe(2);

    await d!.seed(async (db) => {
      const offer = await offers.create(db, { name: "Why Co", type: "product", ownership: "internal", description: "d" });
      const co = (await companies.upsert(db, { offer_id: offer.id, name: "Delta", domain: "delta.io", source_tool: "m" })).company;
      await contacts.upsert(db, { offer_id: offer.id, company_id: co.id, source_tool: "m", full_name: "Dee", email: "dee@delta.io" });
    });
    const why = await runCli(["why", "dee@delta.io"], env, dir);
    expect(why.code).toBe(0);
    expect(why.stdout).toMatch(/Suppressed by the entry domain delta.io \(competitor; csv/);
    expect(why.stdout).toMatch(/may not start with this person now: This person is on the suppression list/);
  });
});
