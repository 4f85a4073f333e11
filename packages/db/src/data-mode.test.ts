import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveDatabaseTarget, SANDBOX_DATA_DIR } from "./connect.js";
import { claimDataMode, databaseContents, dataMode, DataModeMismatchError, recordSimulatedClock } from "./data-mode.js";
import { bundledMigrations, migrate } from "./migrate.js";
import { openDatabase } from "./open.js";
import { accounts, dataClockAt, offers } from "./index.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

describe.each(testEngines())("which world a database belongs to, on %s", (engine) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.drop();
  });

  it("marks a new database with the first run's world and refuses runs of the other world", async () => {
    t = await createTestDb(engine);
    expect(await dataMode(t.db)).toBeNull();
    expect((await claimDataMode(t.db, "sandbox")).mode).toBe("sandbox");
    // The sandbox fills it; the next sandbox run is welcome, a live one is refused.
    await offers.create(t.db, { name: "Demo", type: "product", ownership: "internal", description: "x" });
    expect((await claimDataMode(t.db, "sandbox")).mode).toBe("sandbox");
    const refused = await claimDataMode(t.db, "live", { description: "db X" }).catch((e: unknown) => e);
    expect(DataModeMismatchError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({ run: "live", found: "sandbox" });
    expect((refused as Error).message).toMatch(
      /^db X holds the sandbox's simulated data .*a live run never reads, reuses, counts or sends to it/,
    );
    expect((await dataMode(t.db))!.mode).toBe("sandbox");
  });

  it("keeps a sandbox run's simulated clock (forward only, sandbox only) as the data's clock", async () => {
    t = await createTestDb(engine);
    const monday = new Date("2026-03-09T08:00:00Z");
    // Unmarked or live: the wall clock is the data's; nothing is recorded.
    expect(await recordSimulatedClock(t.db, monday)).toBe(false);
    await claimDataMode(t.db, "sandbox");
    expect(await dataClockAt(t.db)).toBeNull();
    expect(await recordSimulatedClock(t.db, monday)).toBe(true);
    expect((await dataClockAt(t.db))?.toISOString()).toBe(monday.toISOString());
    // Never backwards.
    expect(await recordSimulatedClock(t.db, new Date("2026-03-06T17:00:00Z"))).toBe(false);
    expect((await dataClockAt(t.db))?.toISOString()).toBe(monday.toISOString());
  });

  it("says what a database holds: anything at all, and its offers' slugs", async () => {
    t = await createTestDb(engine);
    expect(await databaseContents(t.db)).toEqual({ holdsData: false, offerSlugs: [] });
    await accounts.create(t.db, { name: "jane", type: "linkedin", owner: "jane", unipile_account_id: "real-1" });
    expect(await databaseContents(t.db)).toEqual({ holdsData: true, offerSlugs: [] });
    await offers.create(t.db, { name: "Zeta", type: "product", ownership: "internal", description: "x" });
    await offers.create(t.db, { name: "Alpha", type: "product", ownership: "internal", description: "x" });
    expect(await databaseContents(t.db)).toEqual({ holdsData: true, offerSlugs: ["alpha", "zeta"] });
  });

  it("takes an unmarked database that holds data for live data: a sandbox run is refused, a live run marks it", async () => {
    t = await createTestDb(engine);
    await accounts.create(t.db, { name: "jane", type: "linkedin", owner: "jane", unipile_account_id: "real-1" });
    const refused = await claimDataMode(t.db, "sandbox").catch((e: unknown) => e);
    expect(refused).toMatchObject({ run: "sandbox", found: "unmarked_with_data" });
    expect((refused as Error).message).toMatch(/holds live data \(data not made by the sandbox\): the sandbox never writes into it/);
    expect(await dataMode(t.db)).toBeNull();
    expect((await claimDataMode(t.db, "live")).mode).toBe("live");
    await expect(claimDataMode(t.db, "sandbox")).rejects.toMatchObject({ found: "live" });
  });

  it("gives one mark when several runs claim an empty database at once", async () => {
    t = await createTestDb(engine);
    const results = await Promise.allSettled([
      claimDataMode(t.db, "live"),
      claimDataMode(t.db, "sandbox"),
      claimDataMode(t.db, "live"),
      claimDataMode(t.db, "sandbox"),
    ]);
    const mark = (await dataMode(t.db))!.mode;
    for (const r of results) {
      if (r.status === "fulfilled") expect(r.value.mode).toBe(mark);
      else expect(r.reason).toMatchObject({ found: mark });
    }
    expect(await t.db.selectFrom("offerlab_instance").select("mode").execute()).toHaveLength(1);
  });

  it("marks a database an older demo filled (it holds the sandbox's Unipile accounts), with its usage rows", async () => {
    t = await createTestDb(engine, { migrate: false });
    const marker = bundledMigrations.find((m) => m.name === "sandbox_marker")!;
    await migrate(t.db, { migrations: bundledMigrations.filter((m) => m.version < marker.version) });
    await accounts.create(t.db, { name: "Alex", type: "linkedin", owner: "alex", unipile_account_id: "sbxLinkedIn1abc" });
    // A usage row as the schema then was (no sandbox column yet).
    const tool = await t.db.selectFrom("tools").select("id").where("name", "=", "unipile").executeTakeFirstOrThrow();
    await t.db.insertInto("tool_usage").values({ tool_id: tool.id, action: "list_accounts", status: "success" }).execute();
    await migrate(t.db);
    expect((await dataMode(t.db))!.mode).toBe("sandbox");
    expect(await t.db.selectFrom("tool_usage").select("sandbox").execute()).toEqual([{ sandbox: true }]);
    await expect(claimDataMode(t.db, "live")).rejects.toMatchObject({ found: "sandbox" });
  });

  it("leaves an older live database unmarked until its first run", async () => {
    t = await createTestDb(engine, { migrate: false });
    const marker = bundledMigrations.find((m) => m.name === "sandbox_marker")!;
    await migrate(t.db, { migrations: bundledMigrations.filter((m) => m.version < marker.version) });
    await accounts.create(t.db, { name: "jane", type: "linkedin", owner: "jane", unipile_account_id: "kzAxdybMQ7ipVxK1U6kwZw" });
    await migrate(t.db);
    expect(await dataMode(t.db)).toBeNull();
    expect((await claimDataMode(t.db, "live")).mode).toBe("live");
  });

  it.runIf(engine === "postgres")("openDatabase refuses a database of the other world and changes nothing", async () => {
    t = await createTestDb(engine);
    const opened = await openDatabase({ databaseUrl: t.url!, env: {}, sandbox: true });
    expect(opened.mark?.mode).toBe("sandbox");
    await opened.db.destroy();
    await expect(openDatabase({ databaseUrl: t.url!, env: {} })).rejects.toMatchObject({ name: "DataModeMismatchError", run: "live" });
    expect((await dataMode(t.db))!.mode).toBe("sandbox");
  });
});

describe("the sandbox's own embedded database", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it("is ./.offerlab-sandbox unless OFFERLAB_DATA_DIR or DATABASE_URL says otherwise", () => {
    // In a directory of its own: the checkout may hold the demo's .offerlab-sandbox, which a
    // folder below it would find upwards.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-mode-"));
    dirs.push(cwd);
    expect(resolveDatabaseTarget({ env: {}, sandbox: true, cwd })).toMatchObject({
      kind: "pglite",
      dataDir: path.join(cwd, SANDBOX_DATA_DIR),
    });
    expect(resolveDatabaseTarget({ env: {}, cwd })).toMatchObject({ kind: "pglite", dataDir: path.join(cwd, ".offerlab") });
    expect(resolveDatabaseTarget({ env: { OFFERLAB_DATA_DIR: "/x/y" }, sandbox: true })).toMatchObject({ dataDir: "/x/y" });
    expect(resolveDatabaseTarget({ env: { DATABASE_URL: "postgres://h/db" }, sandbox: true })).toMatchObject({ kind: "postgres" });
  });

  it("keeps a sandbox run and a live run in two directories, each marked with its world", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-mode-"));
    dirs.push(dir);
    const sandbox = await openDatabase({ dataDir: path.join(dir, "s"), env: {}, sandbox: true });
    await sandbox.db.destroy();
    const live = await openDatabase({ dataDir: path.join(dir, "l"), env: {} });
    await live.db.destroy();
    expect([sandbox.mark?.mode, live.mark?.mode]).toEqual(["sandbox", "live"]);
    const crossed = await openDatabase({ dataDir: path.join(dir, "s"), env: {} }).catch((e: unknown) => e);
    expect(crossed).toMatchObject({ name: "DataModeMismatchError", run: "live", found: "sandbox" });
    // The refused open gave the directory back: it opens again.
    const again = await openDatabase({ dataDir: path.join(dir, "s"), env: {}, sandbox: true });
    await again.db.destroy();
  });
});
