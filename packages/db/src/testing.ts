/**
 * Test helpers for packages whose tests need a real database: one suite, two engines. PGlite
 * (in memory) always; a real PostgreSQL when `TEST_DATABASE_URL` is set, with a fresh database
 * per call that `drop()` removes.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import pg from "pg";
import { createDb } from "./connect.js";
import type { Database } from "./database.generated.js";
import { bundledMigrations, migrate } from "./migrate.js";
import { buildSnapshot, manifestOf } from "./snapshot.js";
import { accounts, campaignContacts, campaigns, companies, contacts, offers, outreachHistory } from "./index.js";

export type TestEngine = "pglite" | "postgres";

/** The engines to run database suites on: PGlite, plus Postgres when TEST_DATABASE_URL is set. */
export function testEngines(env: Record<string, string | undefined> = process.env): TestEngine[] {
  return env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDb {
  db: Kysely<Database>;
  engine: TestEngine;
  /** Connection string of the fresh Postgres database (undefined on PGlite). */
  url?: string;
  /** Closes the database and, on Postgres, drops it. */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

let migratedPglite: Promise<Blob> | undefined;

/**
 * What a migrated test database depends on: every bundled migration and the PGlite release, the
 * same manifest the shipped snapshot is checked against (snapshot.ts). A change of either makes a
 * new cached dump and a new template database.
 */
function migratedSchemaKey(): string {
  return createHash("sha256")
    .update(JSON.stringify(manifestOf(bundledMigrations)))
    .digest("hex")
    .slice(0, 16);
}

/** Where migrated PGlite dumps are kept between test processes (one file per schema key). */
function dumpCacheDir(): string {
  return process.env.OFFERLAB_TEST_CACHE_DIR ?? path.join(os.tmpdir(), "offerlab-test-cache");
}

/**
 * A dump of a migrated in-memory PGlite: starting a test database from it skips initdb and every
 * migration (about 0.7 s instead of 2.5 s per database). Vitest runs each test file in its own
 * module scope, so the dump is also kept on disk, keyed by the migrations and the PGlite release:
 * one process in a test run builds it, the others read it (written to a temporary name and
 * renamed, so a reader never sees half a file).
 */
function migratedPgliteDump(): Promise<Blob> {
  migratedPglite ??= (async () => {
    const file = path.join(dumpCacheDir(), `pglite-${migratedSchemaKey()}.tar.gz`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      // not built yet (or unreadable): build it below
    }
    const { data } = await buildSnapshot();
    const dump = new Blob([data]);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
      await writeFile(partial, data);
      await rename(partial, file);
    } catch {
      // A cache that cannot be written only costs time.
    }
    return dump;
  })();
  // A failed build is not cached: the next test tries again (and reports its own error).
  migratedPglite.catch(() => (migratedPglite = undefined));
  return migratedPglite;
}

/**
 * The name of a migrated template database on the server (made once per schema key, under an
 * advisory lock so parallel test processes wait for one builder). A fresh test database is then
 * `CREATE DATABASE … TEMPLATE`, a file copy, instead of running every migration again.
 */
async function postgresTemplate(admin: string): Promise<string> {
  const template = `offerlab_tpl_${migratedSchemaKey()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('offerlab test template'))");
    try {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
      if (rowCount) return template;
      // Built under another name and renamed when complete: a crash mid-build leaves no template.
      const building = `offerlab_tplbuild_${process.pid}_${randomBytes(4).toString("hex")}`;
      await client.query(`CREATE DATABASE ${building}`);
      const db = createDb({ databaseUrl: withDatabase(admin, building), env: {} });
      try {
        await migrate(db);
      } finally {
        await db.destroy();
      }
      await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
      // Templates of earlier schemas are of no further use (best effort: one may be in use).
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE (datname LIKE 'offerlab\\_tpl\\_%' AND datname <> $1) OR datname LIKE 'offerlab\\_tplbuild\\_%'",
        [template],
      );
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
      return template;
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('offerlab test template'))");
    }
  } finally {
    await client.end();
  }
}

/** A fresh, migrated (unless `migrate: false`) database on the given engine. */
export async function createTestDb(engine: TestEngine, options: { migrate?: boolean } = {}): Promise<TestDb> {
  if (engine === "pglite") {
    const db =
      options.migrate === false
        ? createDb({ dataDir: "memory://", env: {} })
        : createDb({ dataDir: "memory://", env: {}, pgliteLoadDataDir: await migratedPgliteDump() });
    return { db, engine, drop: () => db.destroy() };
  }
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error("createTestDb('postgres') needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)");
  const name = `offerlab_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const template = options.migrate === false ? undefined : await postgresTemplate(admin);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
    // Test databases are thrown away: a commit need not wait for its WAL flush. Same semantics
    // for every session (a crash of the server is the only difference), and commit-heavy tests
    // (the send path commits several times per send) stop waiting on the disk.
    await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  } finally {
    await client.end();
  }
  const url = withDatabase(admin, name);
  const db = createDb({ databaseUrl: url, env: {} });
  return {
    db,
    engine,
    url,
    async drop() {
      await db.destroy();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** What {@link seedOutreachWorld} builds. */
export interface OutreachWorldOptions {
  /** The campaign's name. */
  name: string;
  /** The Unipile ids of the LinkedIn account and of the mailbox (the vendor fake's). */
  vendorLinkedIn: string;
  vendorMailbox: string;
  /** When Jane (and the others) joined the campaign. */
  addedAt: Date;
  /** The mailbox's limits. Default: the table's. */
  mailboxLimits?: { daily_limit_emails?: number; hourly_limit?: number };
  /** The campaign's steps. Default: an email, and a second one 3 days later without a reply. */
  steps?: unknown[];
  /** The campaign's send window (UTC). Default 00:00–23:59:59 every day. */
  window?: { start: string; end: string; days: number[] };
  /** People besides Jane, email only (`person<i>@acme.com`). Default 0. */
  extra?: number;
}

export interface OutreachWorld {
  offerId: string;
  campaignId: string;
  linkedinAccountId: string;
  emailAccountId: string;
  /** Jane Doe: the vendor fake's 2nd-degree profile, reachable by email and LinkedIn. */
  janeId: string;
  janeCcId: string;
}

/**
 * The world the apps' tests send in (the runner's and the webhook server's): an active offer with
 * approved templates for every channel, one company, a LinkedIn account and a mailbox, and an
 * active multi-channel campaign with Jane Doe (and `extra` more people) enrolled, written through
 * the repositories.
 */
export async function seedOutreachWorld(db: Kysely<Database>, o: OutreachWorldOptions): Promise<OutreachWorld> {
  const offer = await offers.create(db, {
    name: "AI Sales Coach",
    type: "product",
    ownership: "internal",
    description: "Cuts ramp time in half.",
    status: "active",
  });
  const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "manual" })).company;
  const li = await accounts.create(db, { name: "jane_linkedin", type: "linkedin", owner: "jane", unipile_account_id: o.vendorLinkedIn });
  const mail = await accounts.create(db, {
    name: "jane@offerlab-demo.com",
    type: "email",
    owner: "jane",
    email_address: "jane@offerlab-demo.com",
    unipile_account_id: o.vendorMailbox,
    ...o.mailboxLimits,
  });
  const campaign = await campaigns.create(db, {
    name: o.name,
    offer_id: offer.id,
    channel: "multi",
    status: "active",
    timezone: "UTC",
    send_window_start: o.window?.start ?? "00:00",
    send_window_end: o.window?.end ?? "23:59:59",
    send_days: o.window?.days ?? [1, 2, 3, 4, 5, 6, 7],
    account_ids: [
      { id: li.id, name: li.name, type: "linkedin" },
      { id: mail.id, name: mail.name, type: "email" },
    ],
    scheduling_config: {
      steps: o.steps ?? [
        { step: 1, type: "email", delay_days: 0 },
        { step: 2, type: "email", delay_days: 3, condition: "no_reply" },
      ],
      stop_on_reply: true,
    },
  });
  const template = { offer_id: offer.id, status: "approved" as const };
  await db
    .insertInto("message_templates")
    .values([
      {
        ...template,
        name: "note",
        channel: "linkedin_connect",
        sequence_step: null,
        body: "Hi {{first_name}}, saw {{company.name}} is hiring reps.",
      },
      { ...template, name: "dm", channel: "linkedin_dm", sequence_step: null, body: "Thanks for connecting, {{first_name}}!" },
      {
        ...template,
        name: "email 1",
        channel: "email",
        sequence_step: 1,
        subject: "Ramp time at {{company.name}}",
        body: "Hi {{first_name|there}}, quick question about onboarding.",
      },
      { ...template, name: "email 2", channel: "email", sequence_step: 2, subject: "", body: "Following up, {{first_name|there}}." },
    ])
    .execute();
  const people = [
    {
      first_name: "Jane",
      full_name: "Jane Doe",
      email: "jane.doe@acme.com",
      linkedin_url: "https://www.linkedin.com/in/jane-doe",
      connection_degree: 2 as const,
    },
    ...Array.from({ length: o.extra ?? 0 }, (_, i) => ({ first_name: `P${i}`, full_name: `Person ${i}`, email: `person${i}@acme.com` })),
  ];
  const enrolled: { contactId: string; ccId: string }[] = [];
  for (const p of people) {
    const contact = (
      await contacts.upsert(db, { offer_id: offer.id, company_id: company.id, source_tool: "manual", status: "ready", ...p })
    ).contact;
    const cc = (await campaignContacts.add(db, { campaign_id: campaign.id, contact_id: contact.id, added_at: o.addedAt })).campaignContact;
    enrolled.push({ contactId: contact.id, ccId: cc.id });
  }
  return {
    offerId: offer.id,
    campaignId: campaign.id,
    linkedinAccountId: li.id,
    emailAccountId: mail.id,
    janeId: enrolled[0]!.contactId,
    janeCcId: enrolled[0]!.ccId,
  };
}

/**
 * An email from the world's mailbox in its campaign, to Jane unless `to` names another campaign
 * contact, written as the send path leaves it (tests may write rows directly): sent at `sentAt`,
 * and with `reply` answered then.
 */
export async function emailSent(
  db: Kysely<Database>,
  w: Pick<OutreachWorld, "campaignId" | "emailAccountId"> & Partial<Pick<OutreachWorld, "janeId" | "janeCcId">>,
  m: {
    to?: { campaignContactId: string; contactId: string };
    subject?: string;
    body: string;
    sentAt: Date;
    reply?: { at: Date; text?: string; sentiment: "positive" | "neutral" | "negative" };
    variant?: string;
  },
): Promise<void> {
  const to = m.to ?? { campaignContactId: w.janeCcId!, contactId: w.janeId! };
  await db
    .insertInto("messages")
    .values({
      campaign_contact_id: to.campaignContactId,
      campaign_id: w.campaignId,
      contact_id: to.contactId,
      account_id: w.emailAccountId,
      channel: "email",
      action_type: "email",
      sequence_step: 1,
      subject: m.subject ?? null,
      body: m.body,
      status: m.reply ? "replied" : "sent",
      sent_at: m.sentAt,
      ...(m.reply ? { replied_at: m.reply.at, reply_text: m.reply.text ?? null, reply_sentiment: m.reply.sentiment } : {}),
      ...(m.variant ? { variant: m.variant } : {}),
    })
    .execute();
}

/** A touch of Jane by email written into the outreach history through its one writer (as a recorded send leaves one). */
export async function touchJane(
  db: Kysely<Database>,
  w: Pick<OutreachWorld, "janeId" | "campaignId" | "offerId" | "emailAccountId">,
  touch: { subject: string; sentAt: Date },
): Promise<{ id: string }> {
  return outreachHistory
    .sendInsert(db, {
      email: "jane.doe@acme.com",
      linkedin: null,
      contactId: w.janeId,
      campaignId: w.campaignId,
      offerId: w.offerId,
      accountId: w.emailAccountId,
      queueId: null,
      channel: "email",
      subject: touch.subject,
      body: null,
      variant: null,
      at: touch.sentAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export { counterMismatches, countersFromFacts, runTotals, storedCounters } from "./counter-audit.js";
export type { CounterTable, Counters, RunTotals } from "./counter-audit.js";
