/**
 * `offerlab outcomes unmatched` and `outcomes match` against a real database: a Cal.com booking
 * for nobody we know is listed (table and --json); once the person is imported, `match` records
 * the meeting for the campaign that last touched them and the booking leaves the open list.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { accounts, campaigns, companies, contacts, createDb, migrate, offers, type Db } from "@offerlab/db";
import { createTestDb, testEngines, type TestDb } from "@offerlab/db/testing";
import { recordBooking } from "@offerlab/operations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";

async function runCli(args: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: process.cwd() };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

describe("outcomes unmatched / match --help", () => {
  it("shows what they do and examples", async () => {
    for (const sub of ["unmatched", "match"]) {
      const res = await runCli(["outcomes", sub, "--help"], {});
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("Examples:");
      expect(res.stdout).toContain(`offerlab outcomes ${sub}`);
      expect(res.stdout).toContain("--json");
    }
  });
});

describe.each(testEngines())("outcomes unmatched / match on %s", (engine) => {
  let env: Record<string, string>;
  let t: TestDb | undefined;
  let dataDir = "";
  const inDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    if (t) return fn(t.db);
    const db = createDb({ dataDir, env: {} });
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.destroy();
    }
  };
  const booked = new Date(Date.now() - 60 * 60_000);

  beforeAll(async () => {
    if (engine === "postgres") {
      t = await createTestDb("postgres");
      env = { DATABASE_URL: t.url! };
    } else {
      dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-bookings-")), "data");
      env = { OFFERLAB_DATA_DIR: dataDir };
    }
    await inDb(async (db) => {
      const r = await recordBooking(
        { db },
        {
          source: "cal_com",
          event: "created",
          trigger: "BOOKING_CREATED",
          uid: "uid-cli",
          externalId: "uid-cli:BOOKING_CREATED",
          attendees: [{ email: "newperson@acme.com", name: "New Person" }],
          meetingAt: new Date(booked.getTime() + 2 * 86_400_000),
          occurredAt: booked,
          title: "Intro call",
          reason: null,
        },
        {
          payload: {
            triggerEvent: "BOOKING_CREATED",
            createdAt: booked.toISOString(),
            payload: {
              uid: "uid-cli",
              title: "Intro call",
              startTime: new Date(booked.getTime() + 2 * 86_400_000).toISOString(),
              attendees: [{ email: "NewPerson@acme.com", name: "New Person" }],
            },
          },
        },
      );
      expect(r.status).toBe("unmatched");
    });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("lists the booking kept for nobody we know, then matches it once the person is imported", async () => {
    const listed = await runCli(["outcomes", "unmatched"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("newperson@acme.com");
    expect(listed.stdout).toContain("Cal.com");
    expect(listed.stdout).toContain("Intro call");
    const asJson = JSON.parse((await runCli(["outcomes", "unmatched", "--json"], env)).stdout) as Record<string, unknown>[];
    expect(asJson).toHaveLength(1);
    expect(asJson[0]).toMatchObject({ source: "cal_com", external_id: "uid-cli:BOOKING_CREATED", matched_outcome_id: null });

    // Nobody yet: match changes nothing.
    expect(JSON.parse((await runCli(["outcomes", "match", "--json"], env)).stdout)).toMatchObject({
      checked: 1,
      matched: [],
      stillUnmatched: 1,
    });

    const campaignId = await inDb(async (db) => {
      const offer = await offers.create(db, { name: "Later", type: "product", ownership: "internal", description: "d" });
      const mailbox = await accounts.create(db, {
        name: "l@later.io",
        type: "email",
        owner: "l",
        email_address: "l@later.io",
        unipile_account_id: "u-l",
      });
      const { company } = await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.com", source_tool: "test" });
      const { contact } = await contacts.upsert(db, {
        offer_id: offer.id,
        company_id: company.id,
        source_tool: "test",
        email: "newperson@acme.com",
        status: "contacted",
      });
      const campaign = await campaigns.create(db, {
        offer_id: offer.id,
        name: "Later push",
        campaign_slug: "later-push",
        channel: "email",
      });
      await db
        .insertInto("outreach_history")
        .values({
          contact_id: contact.id,
          contact_email: "newperson@acme.com",
          campaign_id: campaign.id,
          offer_id: offer.id,
          account_id: mailbox.id,
          channel: "email",
          sent_at: new Date(booked.getTime() - 86_400_000),
        })
        .execute();
      return campaign.id;
    });
    const matched = await runCli(["outcomes", "match"], env);
    expect(matched.code).toBe(0);
    expect(matched.stdout).toContain("Matched 1 of 1 unmatched booking(s): newperson@acme.com; 0 still unmatched.");
    expect((await runCli(["outcomes", "unmatched"], env)).stdout).toContain("No open unmatched bookings.");
    const all = JSON.parse((await runCli(["outcomes", "unmatched", "--all", "--json"], env)).stdout) as { matched_outcome_id: string }[];
    expect(all[0]!.matched_outcome_id).toEqual(expect.any(String));
    const outcomes = JSON.parse((await runCli(["outcomes", "list", "--json"], env)).stdout) as Record<string, unknown>[];
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: "meeting_booked", source: "cal_com", campaign_id: campaignId, campaign_slug: "later-push" });
  });

  it("--window-days is checked before anything is read", async () => {
    const res = await runCli(["outcomes", "match", "--window-days", "-3"], env);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("--window-days");
  });
});
