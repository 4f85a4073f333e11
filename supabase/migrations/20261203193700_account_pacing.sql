-- offerlab: each account's pacing between two of its sends (issue 19; docs/schema-notes.md, "Later migrations").
-- After a send the account rests for `send_gap_min_seconds` plus a random draw in
-- [0, `send_gap_variance_seconds`] (the "min gap" and "random variance" of Smartlead and Instantly);
-- the end of the rest is `accounts.next_send_at`, which the claim reads so that it does not claim
-- the rows of a resting account. NULL: the runner's default (90 s + up to 210 s, `accountGapMs`).
ALTER TABLE accounts
    ADD COLUMN send_gap_min_seconds INTEGER
        CONSTRAINT accounts_send_gap_min_range CHECK (send_gap_min_seconds IS NULL OR send_gap_min_seconds BETWEEN 0 AND 86400),
    ADD COLUMN send_gap_variance_seconds INTEGER
        CONSTRAINT accounts_send_gap_variance_range CHECK (send_gap_variance_seconds IS NULL OR send_gap_variance_seconds BETWEEN 0 AND 86400);

-- account_health is written as `a.*`: recreated (same definition, 20261125100600) so that it has the
-- new columns; todays_queue reads it, so it is dropped and recreated too (definition of 20261203174500).
DROP VIEW todays_queue;
DROP VIEW account_health;

CREATE VIEW account_health WITH (security_invoker = true) AS
SELECT
    a.*,
    a.daily_limit_connections - a.today_connections AS connections_remaining,
    a.daily_limit_messages - a.today_messages AS messages_remaining,
    a.daily_limit_emails - a.today_emails AS emails_remaining,
    CASE
        WHEN a.status <> 'active' THEN FALSE
        WHEN a.health_score < 30 THEN FALSE
        WHEN a.type = 'email' THEN a.today_emails < a.daily_limit_emails
        ELSE a.today_connections < a.daily_limit_connections
             AND a.today_messages < a.daily_limit_messages
    END AS can_send
FROM accounts a;

CREATE VIEW todays_queue WITH (security_invoker = true) AS
SELECT
    m.*,
    co.full_name AS contact_name,
    co.email AS contact_email,
    co.linkedin_url AS contact_linkedin,
    c.name AS company_name,
    a.name AS account_name,
    a.status AS account_status,
    (SELECT can_send FROM account_health ah WHERE ah.id = m.account_id) AS account_can_send,
    COALESCE(sq.scheduled_for, m.scheduled_at) AS due_at
FROM messages m
JOIN campaign_contacts cc ON m.campaign_contact_id = cc.id
JOIN contacts co ON m.contact_id = co.id
JOIN companies c ON co.company_id = c.id
JOIN accounts a ON m.account_id = a.id
LEFT JOIN send_queue sq ON sq.id = m.send_queue_id
WHERE m.status IN ('pending', 'queued')
AND (COALESCE(sq.scheduled_for, m.scheduled_at) IS NULL OR COALESCE(sq.scheduled_for, m.scheduled_at) <= NOW())
ORDER BY COALESCE(sq.scheduled_for, m.scheduled_at) ASC;
