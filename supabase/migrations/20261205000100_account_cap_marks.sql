-- offerlab: until when an account is known to be at a limit, per counter (issue 19; docs/schema-notes.md, "Later migrations").
-- When the send path's guarded reservation refuses a send because the account reached its hourly
-- limit, or its daily limit for an action (the warming ramp included), it records here until when
-- (the next UTC hour, the next UTC day), so the claim stops claiming the account's rows of that
-- action only to defer them again: a capped account with 500 due rows cost 500 claims a day.
-- The hourly limit covers every action; the daily ones are per counter (InMails share `message`).
-- A mark is a hint: the reservation stays the authority, so a missing mark costs one deferral, and
-- a change of limits or warming clears the marks (a stale mark must not hold capacity back).
ALTER TABLE accounts
    ADD COLUMN hourly_capped_until TIMESTAMPTZ,
    ADD COLUMN connections_capped_until TIMESTAMPTZ,
    ADD COLUMN messages_capped_until TIMESTAMPTZ,
    ADD COLUMN emails_capped_until TIMESTAMPTZ;

-- account_health is written as `a.*`: recreated (same definition, 20261203193700) so that it has the
-- new columns; todays_queue reads it, so it is dropped and recreated too (definition of 20261203193700).
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
