-- V1. What two dashboard views need to answer in milliseconds at 200k contacts and 1M
-- outreach_history rows, found by `pnpm bench views` (figures in BENCHMARKS.md). Columns, rows
-- and order of every view are unchanged.

-- activity_feed: the document joins contacts, companies, campaigns and accounts inside each branch
-- of its UNION ALL. PostgreSQL cannot pull a branch that is a join up into the outer query, so
-- `ORDER BY occurred_at DESC LIMIT n` joined and sorted every row of send_queue and
-- outreach_history (about a second). Written as the UNION ALL of the two tables first, then the
-- joins, each branch reads its own time index backwards and a Merge Append takes the newest rows
-- of both; the joins then run for those rows only. `COALESCE(x.contact_email, c.email)` is the
-- document's expression for history rows and `c.email` for queue rows (whose x.contact_email is
-- NULL); the same for the LinkedIn URL.
CREATE OR REPLACE VIEW activity_feed WITH (security_invoker = true) AS
SELECT
    x.activity_type,
    x.item_id,
    x.occurred_at,
    x.status,
    x.channel,
    c.full_name AS contact_name,
    COALESCE(x.contact_email, c.email) AS contact_email,
    COALESCE(x.contact_linkedin_url, c.linkedin_url) AS contact_linkedin_url,
    co.name AS company_name,
    camp.name AS campaign_name,
    a.name AS account_name
FROM (
    SELECT 'scheduled'::text AS activity_type, sq.id AS item_id, sq.scheduled_for AS occurred_at,
           sq.status, sq.channel, sq.contact_id, sq.campaign_id, sq.account_id,
           NULL::text AS contact_email, NULL::text AS contact_linkedin_url
    FROM send_queue sq
    UNION ALL
    SELECT 'sent'::text, oh.id, oh.sent_at,
           oh.status, oh.channel, oh.contact_id, oh.campaign_id, oh.account_id,
           oh.contact_email, oh.contact_linkedin_url
    FROM outreach_history oh
) x
LEFT JOIN contacts c ON x.contact_id = c.id
LEFT JOIN companies co ON c.company_id = co.id
LEFT JOIN campaigns camp ON x.campaign_id = camp.id
LEFT JOIN accounts a ON x.account_id = a.id;

-- The queue branch's time index (outreach_history(sent_at) exists; idx_send_queue_due covers
-- only rows still due, and the feed shows every row).
CREATE INDEX idx_send_queue_scheduled_for ON send_queue(scheduled_for);

-- contacts_ready: the contacts a campaign may still take, per company and offer, with the view's
-- own filter as the index predicate, so listing an offer's by company fit reads only those rows
-- (before: every contact of every company, filtered one by one).
CREATE INDEX idx_contacts_ready_company ON contacts(company_id, offer_id)
WHERE status IN ('ready', 'enriched')
  AND skip_reason IS NULL
  AND (connection_degree IS NULL OR connection_degree > 1)
  AND already_contacted = FALSE
  AND eligible_for_outreach = TRUE
  AND global_status = 'available';
