import fs from "node:fs";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/schema-gen.js";
import { createDb } from "./connect.js";
import { bundledMigrations, migrate, migrationStatus } from "./migrate.js";
import { createTestDb, testEngines, type TestDb } from "./testing.js";

const SPEC_TABLES = [
  "offers",
  "companies",
  "contacts",
  "campaigns",
  "campaign_contacts",
  "messages",
  "accounts",
  "account_activity",
  "tools",
  "tool_usage",
  "message_templates",
  "send_queue",
  "message_events",
  "outreach_history",
  "pipeline_runs",
  "pipeline_steps",
];
const LATER_TABLES = [
  "send_attempts",
  "account_usage",
  "pipeline_lookups",
  "webhook_inbox",
  "offerlab_instance",
  "offerlab_settings",
  "outcomes",
  "suppressions",
  "unmatched_bookings",
  "campaign_usage",
  "tool_rate_windows",
  "experiments",
  "experiment_arms",
  "experiment_assignments",
  "saved_views",
];
const SPEC_VIEWS = [
  "offer_dashboard",
  "contacts_ready",
  "account_health",
  "campaign_performance",
  "todays_queue",
  "leads_for_review",
  "todays_schedule",
  "account_capacity",
  "activity_feed",
  "daily_account_message_volume",
];
const SPEC_FUNCTIONS = ["reset_daily_counters", "can_account_send", "increment_account_counter", "update_campaign_metrics"];
/** Every index the schema document names (the migrations add more). */
const SPEC_INDEXES = [
  "idx_offers_status",
  "idx_offers_type",
  "idx_offers_positioning_category",
  "idx_offers_positioning_problem",
  "idx_companies_offer",
  "idx_companies_status",
  "idx_companies_source",
  "idx_companies_fit_score",
  "idx_contacts_company",
  "idx_contacts_offer",
  "idx_contacts_status",
  "idx_contacts_email",
  "idx_contacts_linkedin",
  "idx_contacts_global_status",
  "idx_contacts_global_last_contacted",
  "idx_contacts_eligible",
  "idx_campaigns_offer",
  "idx_campaigns_status",
  "idx_campaigns_account",
  "idx_campaigns_slug",
  "idx_campaign_contacts_campaign",
  "idx_campaign_contacts_contact",
  "idx_campaign_contacts_status",
  "idx_campaign_contacts_next_step",
  "idx_messages_campaign_contact",
  "idx_messages_campaign",
  "idx_messages_contact",
  "idx_messages_account",
  "idx_messages_send_queue",
  "idx_messages_status",
  "idx_messages_scheduled",
  "idx_accounts_type",
  "idx_accounts_owner",
  "idx_accounts_status",
  "idx_activity_account_date",
  "idx_activity_daily",
  "idx_tool_usage_tool",
  "idx_tool_usage_date",
];

async function names(db: Kysely<unknown>, query: string): Promise<string[]> {
  const { rows } = await sql.raw<{ name: string }>(query).execute(db);
  return rows.map((r) => r.name).sort();
}

describe.each(testEngines())("migrate on %s", (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine, { migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it("applies every migration to an empty database, then is a no-op", async () => {
    const before = await migrationStatus(t.db);
    expect(before.applied).toEqual([]);
    expect(before.pending.map((p) => p.version)).toEqual(bundledMigrations.map((m) => m.version));

    const first = await migrate(t.db);
    expect(first.applied).toEqual(bundledMigrations.map((m) => m.version));
    const second = await migrate(t.db);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);

    const after = await migrationStatus(t.db);
    expect(after.pending).toEqual([]);
    expect(after.unknown).toEqual([]);
    expect(after.applied.map((a) => a.name)).toEqual(bundledMigrations.map((m) => m.name));
  });

  it("creates every table, view, function and index of the spec", async () => {
    const db = t.db as unknown as Kysely<unknown>;
    // The spec's 16 tables, plus the send path's (docs/schema-notes.md, "Later migrations").
    expect(await names(db, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")).toEqual(
      [...SPEC_TABLES, ...LATER_TABLES].sort(),
    );
    expect(await names(db, "SELECT viewname AS name FROM pg_views WHERE schemaname = 'public'")).toEqual([...SPEC_VIEWS].sort());
    const fns = await names(
      db,
      "SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
    );
    for (const f of SPEC_FUNCTIONS) expect(fns).toContain(f);
    const idx = await names(db, "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'");
    for (const i of SPEC_INDEXES) expect(idx).toContain(i);
  });

  it("every view written as `table.*` has every column of its table (a later column needs the view recreated)", async () => {
    const db = t.db as unknown as Kysely<unknown>;
    const starViews: Record<string, string> = {
      offer_dashboard: "offers",
      contacts_ready: "contacts",
      account_health: "accounts",
      campaign_performance: "campaigns",
      todays_queue: "messages",
      todays_schedule: "send_queue",
    };
    const cols = (rel: string) =>
      names(db, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${rel}'`);
    for (const [view, table] of Object.entries(starViews)) {
      const inView = new Set(await cols(view));
      expect({ view, missing: (await cols(table)).filter((c) => !inView.has(c)) }).toEqual({ view, missing: [] });
    }
  });

  it("enables Row Level Security on every table and makes every view security_invoker", async () => {
    const db = t.db as unknown as Kysely<unknown>;
    const noRls = await names(
      db,
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity`,
    );
    expect(noRls).toEqual([]);
    const notInvoker = await names(
      db,
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'v'
         AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`,
    );
    expect(notInvoker).toEqual([]);
  });

  it("lets a role without policies read nothing, through tables or views", async () => {
    const db = t.db as unknown as Kysely<unknown>;
    const role = `anon_${Math.random().toString(36).slice(2, 8)}`;
    await sql
      .raw(`INSERT INTO offers (name, type, ownership, description) VALUES ('Visible to owner', 'product', 'internal', 'x')`)
      .execute(db);
    await sql
      .raw(`CREATE ROLE ${role} NOLOGIN; GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};`)
      .execute(db);
    try {
      const rows = await db.transaction().execute(async (trx) => {
        await sql.raw(`SET LOCAL ROLE ${role}`).execute(trx);
        const a = await sql.raw<{ n: number }>("SELECT count(*)::int AS n FROM offers").execute(trx);
        const b = await sql.raw<{ n: number }>("SELECT count(*)::int AS n FROM offer_dashboard").execute(trx);
        return [a.rows[0]?.n, b.rows[0]?.n];
      });
      expect(rows).toEqual([0, 0]);
      const owner = await sql.raw<{ n: number }>("SELECT count(*)::int AS n FROM offers").execute(db);
      expect(owner.rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await sql
        .raw(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; REVOKE USAGE ON SCHEMA public FROM ${role}; DROP ROLE ${role};`)
        .execute(db);
      await sql.raw(`DELETE FROM offers WHERE name = 'Visible to owner'`).execute(db);
    }
  });

  it("keeps updated_at true with a trigger", async () => {
    const db = t.db;
    const offer = await db
      .insertInto("offers")
      .values({ name: "Trigger", type: "service", ownership: "internal", description: "d", updated_at: new Date("2020-01-01T00:00:00Z") })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(offer.updated_at.getUTCFullYear()).toBe(2020);
    const updated = await db
      .updateTable("offers")
      .set({ name: "Trigger 2" })
      .where("id", "=", offer.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(updated.updated_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    await db.deleteFrom("offers").where("id", "=", offer.id).execute();
  });

  it("seeds the tools catalogue once, with unipile's two roles under distinct names", async () => {
    const tools = await t.db.selectFrom("tools").select(["name", "type"]).orderBy("name").execute();
    expect(tools.filter((x) => x.name.startsWith("unipile"))).toEqual([
      { name: "unipile", type: "sending" },
      { name: "unipile_inbox", type: "inbox" },
    ]);
    expect(tools).toHaveLength(9);
  });
});

describe("apply-campaign-columns script", () => {
  const script = fs.readFileSync(path.join(repoRoot, "supabase/scripts/apply-campaign-columns.sql"), "utf8");

  it.each(testEngines())("upgrades an old campaigns table and is idempotent (%s)", async (engine) => {
    const t = await createTestDb(engine, { migrate: false });
    try {
      const db = t.db as unknown as Kysely<unknown>;
      await sql.raw("CREATE TABLE campaigns (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT NOT NULL)").execute(db);
      await sql.raw("INSERT INTO campaigns (name) VALUES ('old one')").execute(db);
      await sql.raw(script).execute(db);
      await sql.raw(script).execute(db);
      const cols = await names(db, "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'campaigns'");
      expect(cols).toEqual(["account_ids", "campaign_slug", "id", "name", "target_criteria"]);
      await sql.raw("UPDATE campaigns SET campaign_slug = 'a'").execute(db);
      await expect(sql.raw("INSERT INTO campaigns (name, campaign_slug) VALUES ('dup', 'a')").execute(db)).rejects.toThrow(/unique/i);
    } finally {
      await t.drop();
    }
  });

  it("changes nothing on a database created by the migrations", async () => {
    const t = await createTestDb("pglite");
    try {
      const db = t.db as unknown as Kysely<unknown>;
      const q = "SELECT conname AS name FROM pg_constraint WHERE conrelid = 'campaigns'::regclass";
      const before = await names(db, q);
      await sql.raw(script).execute(db);
      expect(await names(db, q)).toEqual(before);
    } finally {
      await t.drop();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("concurrent migrate on postgres", () => {
  it("two processes migrating one empty database at once apply each migration once", async () => {
    const t = await createTestDb("postgres", { migrate: false });
    const dbs = [
      createDb({ databaseUrl: t.url, env: {} }),
      createDb({ databaseUrl: t.url, env: {} }),
      createDb({ databaseUrl: t.url, env: {} }),
    ];
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db)));
      const appliedCounts = bundledMigrations.map((m) => results.filter((r) => r.applied.includes(m.version)).length);
      expect(appliedCounts).toEqual(bundledMigrations.map(() => 1));
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM supabase_migrations.schema_migrations`.execute(t.db);
      expect(rows[0]?.n).toBe(bundledMigrations.length);
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      await t.drop();
    }
  });
});
