-- S8. Views written with `table.*` froze their column list when they were created, so the columns
-- the send path added to send_queue (S4) and accounts (S3) are missing from todays_schedule and
-- account_health (and todays_queue, which reads account_health). They are recreated with the same
-- definitions so the dashboards show why a send is waiting and when an account may send again.
DROP VIEW todays_queue;
DROP VIEW account_health;
DROP VIEW todays_schedule;

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
    (SELECT can_send FROM account_health ah WHERE ah.id = m.account_id) AS account_can_send
FROM messages m
JOIN campaign_contacts cc ON m.campaign_contact_id = cc.id
JOIN contacts co ON m.contact_id = co.id
JOIN companies c ON co.company_id = c.id
JOIN accounts a ON m.account_id = a.id
WHERE m.status = 'pending'
AND (m.scheduled_at IS NULL OR m.scheduled_at <= NOW())
ORDER BY m.scheduled_at ASC;

CREATE VIEW todays_schedule WITH (security_invoker = true) AS
SELECT
    sq.*,
    c.full_name AS contact_name,
    c.email AS contact_email,
    co.name AS company_name,
    camp.name AS campaign_name,
    a.name AS account_name,
    a.health_score
FROM send_queue sq
JOIN contacts c ON sq.contact_id = c.id
JOIN companies co ON c.company_id = co.id
JOIN campaigns camp ON sq.campaign_id = camp.id
LEFT JOIN accounts a ON sq.account_id = a.id
WHERE sq.scheduled_for >= CURRENT_DATE
AND sq.scheduled_for < CURRENT_DATE + 1
AND sq.status IN ('pending', 'scheduled')
ORDER BY sq.scheduled_for ASC;
