-- offerlab: the 10 views of the schema document, corrected (see docs/schema-notes.md).
-- Every view is security_invoker [N21], so it applies the caller's Row Level Security instead of
-- its owner's: through an anon key a view shows nothing, exactly like the tables beneath it.

-- Offer dashboard [N13]: the document's version repeats three column names of offers.* (a
-- creation error) and sums campaign totals over a companies x contacts x campaigns join, which
-- multiplies each sum by the number of companies and contacts. Each count and sum now comes
-- from its own subquery, and the campaign sums carry distinct names.
CREATE VIEW offer_dashboard WITH (security_invoker = true) AS
SELECT
    o.*,
    (SELECT COUNT(*) FROM companies c WHERE c.offer_id = o.id) AS company_count,
    (SELECT COUNT(*) FROM contacts co WHERE co.offer_id = o.id) AS contact_count,
    (SELECT COUNT(*) FROM campaigns ca WHERE ca.offer_id = o.id) AS campaign_count,
    (SELECT COALESCE(SUM(ca.total_sent), 0) FROM campaigns ca WHERE ca.offer_id = o.id) AS campaigns_total_sent,
    (SELECT COALESCE(SUM(ca.total_replied), 0) FROM campaigns ca WHERE ca.offer_id = o.id) AS campaigns_total_replies,
    (SELECT COALESCE(SUM(ca.total_meetings), 0) FROM campaigns ca WHERE ca.offer_id = o.id) AS campaigns_total_meetings
FROM offers o;

-- Contacts ready for outreach [N14]: also excludes people who must not hear from us at all
-- (do_not_contact, cooling off, replied elsewhere, not eligible), per the global rule.
CREATE VIEW contacts_ready WITH (security_invoker = true) AS
SELECT
    co.*,
    c.name AS company_name,
    c.domain AS company_domain,
    c.fit_score AS company_fit_score,
    o.name AS offer_name
FROM contacts co
JOIN companies c ON co.company_id = c.id
JOIN offers o ON co.offer_id = o.id
WHERE co.status IN ('ready', 'enriched')
AND co.skip_reason IS NULL
AND (co.connection_degree IS NULL OR co.connection_degree > 1)
AND co.already_contacted = FALSE
AND co.eligible_for_outreach = TRUE
AND co.global_status = 'available';

-- Account health [N15]: can_send is type-aware (an email account is judged by its email limit,
-- a LinkedIn account by its connection and message limits) and honours the health floor of 30.
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

-- Campaign performance [N16]: campaigns.* already has reply_rate and meeting_rate (the stored,
-- denormalised rates), so the live ones are named current_*.
CREATE VIEW campaign_performance WITH (security_invoker = true) AS
SELECT
    c.*,
    o.name AS offer_name,
    ROUND(c.total_replied::decimal / NULLIF(c.total_sent, 0) * 100, 2) AS current_reply_rate,
    ROUND(c.total_positive_replies::decimal / NULLIF(c.total_replied, 0) * 100, 2) AS positive_rate,
    ROUND(c.total_meetings::decimal / NULLIF(c.total_sent, 0) * 100, 2) AS current_meeting_rate
FROM campaigns c
JOIN offers o ON c.offer_id = o.id;

-- Today's send queue (pending messages).
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

-- Clay-style leads table [N17]: a pending send_queue row is joined to the campaign it belongs
-- to; the document joined it on the contact alone, pairing campaign A's row with campaign B.
CREATE VIEW leads_for_review WITH (security_invoker = true) AS
SELECT
    c.id AS contact_id,
    c.first_name,
    c.last_name,
    c.full_name,
    c.email,
    c.email_status,
    c.email_verified,
    c.email_verification_source,
    c.linkedin_url,
    c.title,
    c.connection_degree,
    c.global_status,
    c.global_last_contacted_at,
    c.global_contact_count,
    c.eligible_for_outreach,
    co.id AS company_id,
    co.name AS company_name,
    co.domain,
    co.size,
    co.industry,
    co.signals,
    co.fit_score,
    co.priority AS company_priority,
    co.source_tool,
    cc.id AS campaign_contact_id,
    cc.status AS campaign_status,
    cc.current_step,
    camp.id AS campaign_id,
    camp.name AS campaign_name,
    camp.campaign_type,
    sq.id AS queue_id,
    sq.scheduled_for,
    sq.status AS queue_status,
    sq.channel,
    a.name AS sending_account,
    a.health_score AS account_health
FROM contacts c
JOIN companies co ON c.company_id = co.id
LEFT JOIN campaign_contacts cc ON cc.contact_id = c.id
LEFT JOIN campaigns camp ON cc.campaign_id = camp.id
LEFT JOIN send_queue sq ON sq.contact_id = c.id
    AND sq.campaign_id = cc.campaign_id
    AND sq.status IN ('pending', 'scheduled')
LEFT JOIN accounts a ON sq.account_id = a.id;

-- Today's schedule [N19]: "today" is the session's calendar day, as in the document, written
-- as a range on scheduled_for so the due-row index can serve it.
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

-- Account capacity.
CREATE VIEW account_capacity WITH (security_invoker = true) AS
SELECT
    a.id,
    a.name,
    a.type,
    a.health_score,
    a.status,
    a.daily_limit_emails,
    a.daily_limit_connections,
    a.daily_limit_messages,
    COALESCE(a.today_emails, 0) AS today_emails,
    COALESCE(a.today_connections, 0) AS today_connections,
    COALESCE(a.today_messages, 0) AS today_messages,
    a.daily_limit_emails - COALESCE(a.today_emails, 0) AS emails_remaining,
    a.daily_limit_connections - COALESCE(a.today_connections, 0) AS connections_remaining,
    a.daily_limit_messages - COALESCE(a.today_messages, 0) AS messages_remaining,
    CASE
        WHEN a.status != 'active' THEN FALSE
        WHEN COALESCE(a.health_score, 100) < 30 THEN FALSE
        WHEN a.type = 'email' AND COALESCE(a.today_emails, 0) >= a.daily_limit_emails THEN FALSE
        WHEN a.type = 'linkedin' AND COALESCE(a.today_connections, 0) >= a.daily_limit_connections THEN FALSE
        ELSE TRUE
    END AS can_send_now
FROM accounts a;

-- Unified activity feed (scheduled + sent).
CREATE VIEW activity_feed WITH (security_invoker = true) AS
SELECT
    'scheduled' AS activity_type,
    sq.id AS item_id,
    sq.scheduled_for AS occurred_at,
    sq.status,
    sq.channel,
    c.full_name AS contact_name,
    c.email AS contact_email,
    c.linkedin_url AS contact_linkedin_url,
    co.name AS company_name,
    camp.name AS campaign_name,
    a.name AS account_name
FROM send_queue sq
LEFT JOIN contacts c ON sq.contact_id = c.id
LEFT JOIN companies co ON c.company_id = co.id
LEFT JOIN campaigns camp ON sq.campaign_id = camp.id
LEFT JOIN accounts a ON sq.account_id = a.id

UNION ALL

SELECT
    'sent' AS activity_type,
    oh.id AS item_id,
    oh.sent_at AS occurred_at,
    oh.status,
    oh.channel,
    c.full_name AS contact_name,
    COALESCE(oh.contact_email, c.email) AS contact_email,
    COALESCE(oh.contact_linkedin_url, c.linkedin_url) AS contact_linkedin_url,
    co.name AS company_name,
    camp.name AS campaign_name,
    a.name AS account_name
FROM outreach_history oh
LEFT JOIN contacts c ON oh.contact_id = c.id
LEFT JOIN companies co ON c.company_id = co.id
LEFT JOIN campaigns camp ON oh.campaign_id = camp.id
LEFT JOIN accounts a ON oh.account_id = a.id;

-- Daily volume per account [N22]: 'meeting' is not a message status, so it is dropped from the
-- "sent" filter (it could never match).
CREATE VIEW daily_account_message_volume WITH (security_invoker = true) AS
SELECT
    a.id AS account_id,
    a.name AS account_name,
    date_trunc('day', m.scheduled_at) AS day,
    COUNT(*) FILTER (WHERE m.scheduled_at IS NOT NULL) AS scheduled,
    COUNT(*) FILTER (WHERE m.status = 'pending') AS pending,
    COUNT(*) FILTER (WHERE m.status IN ('sent', 'delivered', 'opened', 'clicked', 'replied')) AS sent,
    COUNT(*) FILTER (WHERE m.status IN ('failed', 'bounced')) AS errored
FROM messages m
JOIN accounts a ON a.id = m.account_id
GROUP BY a.id, a.name, date_trunc('day', m.scheduled_at);
