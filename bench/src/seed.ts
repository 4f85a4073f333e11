/**
 * Seeding in bulk with INSERT … SELECT generate_series: one offer, company, N email accounts and an
 * active all-day email campaign (like the scheduler's test world), and due queue rows with their
 * contacts, campaign contacts and messages.
 */
import { accounts, campaigns, companies, offers, type Db } from "@offerlab/db";
import { sql } from "kysely";

export interface Base {
  offerId: string;
  companyId: string;
  campaignId: string;
  accountIds: string[];
}

export async function seedBase(db: Db, nAccounts: number): Promise<Base> {
  const offer = await offers.create(db, {
    name: "Bench",
    type: "product",
    ownership: "internal",
    description: "benchmark",
    status: "active",
  });
  const company = (await companies.upsert(db, { offer_id: offer.id, name: "Acme", domain: "acme.example", source_tool: "manual" })).company;
  const accountIds: string[] = [];
  for (let i = 0; i < nAccounts; i++) {
    const row = await accounts.create(db, {
      name: `sender${i}@offerlab-demo.com`,
      type: "email",
      owner: "bench",
      email_address: `sender${i}@offerlab-demo.com`,
      unipile_account_id: `MAILBOX${String(i).padStart(15, "0")}`,
      daily_limit_emails: 1_000_000,
      hourly_limit: 1_000_000,
    });
    accountIds.push(row.id);
  }
  const campaign = await campaigns.create(db, {
    name: "Bench",
    offer_id: offer.id,
    channel: "email",
    status: "active",
    send_window_start: "00:00",
    send_window_end: "23:59:59",
    send_days: [1, 2, 3, 4, 5, 6, 7],
    timezone: "UTC",
  });
  return { offerId: offer.id, companyId: company.id, campaignId: campaign.id, accountIds };
}

/** Empties what a send-path round writes, keeping offer, company, accounts and campaign. */
export async function resetQueue(db: Db): Promise<void> {
  await sql`TRUNCATE send_attempts, message_events, outreach_history, account_activity, account_usage, messages, send_queue, campaign_contacts, contacts CASCADE`.execute(
    db,
  );
  await sql`UPDATE accounts SET next_send_at = NULL, total_sent = 0, today_emails = 0,
    hourly_capped_until = NULL, connections_capped_until = NULL, messages_capped_until = NULL, emails_capped_until = NULL`.execute(db);
}

/** `n` due email rows (contacts, campaign contacts, queue rows, messages), spread over the accounts. */
export async function seedDueRows(db: Db, base: Base, n: number, tag: string, dueAt: Date): Promise<void> {
  await sql`
    INSERT INTO contacts (offer_id, company_id, source_tool, full_name, first_name, email, status)
    SELECT ${base.offerId}::uuid, ${base.companyId}::uuid, 'bench', 'Person ' || g, 'Person', ${tag} || '-' || g || '@acme.example', 'ready'
    FROM generate_series(1, ${n}::int) g`.execute(db);
  await sql`
    INSERT INTO campaign_contacts (campaign_id, contact_id, status)
    SELECT ${base.campaignId}::uuid, id, 'in_progress' FROM contacts WHERE email LIKE ${tag + "-%"}`.execute(db);
  await sql`
    INSERT INTO send_queue (campaign_id, campaign_contact_id, contact_id, account_id, channel, action_type, sequence_step, subject, body, scheduled_for)
    SELECT cc.campaign_id, cc.id, cc.contact_id,
           (${base.accountIds}::uuid[])[1 + (row_number() OVER (ORDER BY cc.id)) % ${base.accountIds.length}::int],
           'email', 'email', 1, 'Hello', 'Hi Person, a short note.', ${dueAt}::timestamptz
    FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id
    WHERE c.email LIKE ${tag + "-%"}`.execute(db);
  await sql`
    INSERT INTO messages (campaign_contact_id, campaign_id, contact_id, account_id, send_queue_id, channel, action_type, sequence_step, subject, body, status, scheduled_at)
    SELECT q.campaign_contact_id, q.campaign_id, q.contact_id, q.account_id, q.id, 'email', 'email', 1, q.subject, q.body, 'queued', q.scheduled_for
    FROM send_queue q LEFT JOIN messages m ON m.send_queue_id = q.id WHERE m.id IS NULL`.execute(db);
  await sql`ANALYZE`.execute(db);
}
