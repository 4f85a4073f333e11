/**
 * Connection degrees end to end through the CLI, in the sandbox (whose LinkedIn world gives each
 * person a fixed degree per seed, served by Unipile's MSW fake): a CSV import with a degree
 * column, networking vs cold outreach campaigns, `add-contacts --lookup-degrees`, and the skip
 * reasons stored on contacts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { companies, contacts, offers } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { createSandbox } from "@offerlab/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";
import { cliDatabase, type CliDatabase } from "./test-support/cli-db.js";

const SEED = "network-test";

describe.each(testEngines())("connection degrees and campaign types in the CLI on %s", { timeout: 300_000 }, (engine) => {
  let d: CliDatabase;
  let dir: string;
  beforeAll(async () => {
    d = await cliDatabase(engine);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-network-"));
  }, 120_000);
  afterAll(async () => {
    await d?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    let stdout = "";
    let stderr = "";
    const env = { ...d.env, OFFERLAB_SANDBOX: "1", OFFERLAB_SANDBOX_SEED: SEED };
    const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: dir };
    const code = await run(["node", "offerlab", ...args], io);
    return { code, stdout, stderr };
  }

  it("documents the campaign types and the account rotation sets in --help", async () => {
    const help = await cli(["campaigns", "create", "--help"]);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, " ");
    expect(text).toMatch(/networking messages 1st-degree connections, with no invitation/);
    expect(text).toMatch(/--use-burner-accounts/);
    expect(text).toMatch(/burner accounts are throwaway ones/);
    const add = (await cli(["campaigns", "add-contacts", "--help"])).stdout.replace(/\s+/g, " ");
    expect(add).toMatch(/--lookup-degrees/);
    expect(add).toMatch(/degree_unknown when the campaign needs a degree/);
  });

  it("imports degrees, looks the others up on LinkedIn, and enrols by campaign type and degree targets", async () => {
    const people = createSandbox({ seed: SEED }).world.people;
    const pick = (degree: 1 | 2 | 3 | null, n: number) => people.filter((p) => p.degree === degree && p.email).slice(0, n);
    const chosen = [...pick(1, 2), ...pick(2, 2), ...pick(3, 1), ...pick(null, 1)];
    expect(chosen).toHaveLength(6);
    // The first sandbox command marks the database as the sandbox's; the people are written after.
    const synced = JSON.parse((await cli(["accounts", "sync", "--json"])).stdout) as { changes: { name: string; type: string }[] };
    const li = synced.changes.find((c) => c.type === "linkedin")!.name;
    const offerSlug = await d.seed(async (db) => {
      const offer = await offers.create(db, { name: "Net Offer", type: "product", ownership: "internal", description: "x" });
      const { company } = await companies.upsert(db, { offer_id: offer.id, name: "World Co", domain: "world.co", source_tool: "test" });
      for (const p of chosen)
        await contacts.upsert(db, {
          offer_id: offer.id,
          company_id: company.id,
          source_tool: "test",
          status: "ready",
          full_name: `${p.first_name} ${p.last_name}`,
          email: p.email,
          email_status: "valid",
          linkedin_url: p.linkedin_url,
        });
      return offer.slug!;
    });

    // A CSV's degree column: 1st, 2nd, 3rd; a bad value is a row error naming the column.
    fs.writeFileSync(
      path.join(dir, "known.csv"),
      "email,company,linkedin,degree\nknown1@csv.co,Csv Co,https://www.linkedin.com/in/known-first,1st\nknown2@csv.co,Csv Co,https://www.linkedin.com/in/known-second,2nd\n",
    );
    fs.writeFileSync(path.join(dir, "bad.csv"), "email,company,degree\nbad@csv.co,Csv Co,fourth\n");
    const bad = await cli(["import", "contacts", "bad.csv", "--offer", offerSlug]);
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/degree.*must be a LinkedIn connection degree: 1, 2 or 3/);
    const imported = await cli(["import", "contacts", "known.csv", "--offer", offerSlug, "--json"]);
    expect(imported.code).toBe(0);

    const create = async (name: string, extra: string[]) => {
      const r = await cli([
        "campaigns",
        "create",
        "--offer",
        offerSlug,
        "--name",
        name,
        "--channel",
        "linkedin",
        "--accounts",
        li,
        "--signal",
        "hiring",
        "--icp",
        name.toLowerCase(),
        "--json",
        ...extra,
      ]);
      expect(r.stderr.replace(/^\[SANDBOX\] data: .*\n/, "")).toBe("");
      return JSON.parse(r.stdout) as { campaign_slug: string; scheduling_config: { steps: { type: string }[] } };
    };
    const warm = await create("Warm", ["--type", "networking"]);
    const cold = await create("Cold", ["--degrees", "2,3", "--exclude-1st"]);
    expect(warm.scheduling_config.steps.map((s) => s.type)).toEqual(["linkedin_dm"]);
    expect(cold.scheduling_config.steps[0]!.type).toBe("connection_request");

    // Before any lookup only the imported degrees are known: the rest fail closed.
    const blind = JSON.parse((await cli(["campaigns", "add-contacts", cold.campaign_slug, "--dry-run", "--json"])).stdout);
    expect(blind).toMatchObject({ matched: 8, wouldAdd: 1, skipped: { degree_unknown: 6, "1st_degree": 1 } });

    expect((await cli(["campaigns", "add-contacts", cold.campaign_slug, "--max-lookups", "3"])).code).toBe(2);
    const looked = await cli(["campaigns", "add-contacts", cold.campaign_slug, "--lookup-degrees", "--json"]);
    expect(looked.stderr).not.toMatch(/error/i);
    const result = JSON.parse(looked.stdout);
    expect(result.lookup).toMatchObject({ found: { "1": 2, "2": 2, "3": 1, unknown: 1 }, failed: 0, notLookedUp: 0 });
    // The seed's [2, 3]: the world's 2nd and 3rd degree people plus the imported 2nd.
    expect(result).toMatchObject({ added: 4, skipped: { "1st_degree": 3, degree_unknown: 1 } });

    const stored = await d.seed((db) =>
      db.selectFrom("contacts").select(["linkedin_url", "connection_degree", "skip_reason"]).orderBy("linkedin_url").execute(),
    );
    for (const p of chosen) {
      const row = stored.find((r) => r.linkedin_url === p.linkedin_url)!;
      expect(row.connection_degree).toBe(p.degree);
      expect(row.skip_reason).toBe(p.degree === 1 ? "1st_degree" : null);
    }

    // The networking campaign takes the 1st-degree connections and only them.
    const text = await cli(["campaigns", "add-contacts", warm.campaign_slug, "--show-skipped"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/3 added/);
    expect(text.stdout).toMatch(/not_1st_degree: not a 1st-degree LinkedIn connection/);
  });
});
