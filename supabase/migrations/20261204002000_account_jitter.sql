-- offerlab: each account's planner jitter (issue 19; docs/schema-notes.md, "Later migrations").
-- The planner queues a step at its due time (or the window's next opening) plus a random draw of
-- up to `send_jitter_minutes` whole minutes (and 1–58 s, never on a round minute): the "random
-- variance" of Smartlead and Instantly, per sender. NULL: the planner's default (17 minutes,
-- `DEFAULT_MAX_JITTER_MINUTES`); 0: no minutes added (the seconds part stays).
ALTER TABLE accounts
    ADD COLUMN send_jitter_minutes INTEGER
        CONSTRAINT accounts_send_jitter_range CHECK (send_jitter_minutes IS NULL OR send_jitter_minutes BETWEEN 0 AND 1440);

-- account_health is written as `a.*`: recreated (same definition, 20261203193700) so that it has the
-- new column; todays_queue reads it, so it is dropped and recreated too (definition of 20261203193700).
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
