-- offerlab: counters and rates that are true (docs/schema-notes.md, "Later migrations", K1–K4).
-- No column the schema document defines changes type; the document's function and view are
-- redefined with the same names and columns (the view gains one column at the end).

-- K1. Sends record the copy they used: the template (`template_id`) and its variant label (the
-- template's name, what `offerlab templates list` shows). The planner writes both on the planned
-- message; the recording of the send copies the label to outreach_history, which the outcomes'
-- attribution reads (O1: `outcomes.variant`).
ALTER TABLE messages ADD COLUMN template_id UUID REFERENCES message_templates(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN variant TEXT;
ALTER TABLE outreach_history ADD COLUMN variant TEXT;

-- todays_queue is written `m.*` (S8): recreated so that it shows the new message columns. A view's
-- columns cannot be inserted in the middle by CREATE OR REPLACE, hence DROP; the definition is
-- N26's, unchanged.
DROP VIEW todays_queue;
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

-- K2. update_campaign_metrics from the facts, every rate per person:
--   contacts_sent        people of the campaign who received at least one message (a message
--                        with a send time); the document counted every campaign contact whose
--                        status left 'queued', which includes people planned and then stopped
--                        (suppressed, unsubscribed, failed) before anything left.
--   total_sent           messages that left (a send time), bounced ones included: a bounce was sent.
--   total_delivered      messages that left and did not bounce. Unipile sends no delivery receipt
--                        for email, and LinkedIn's `message_delivered` is unverified in the
--                        vendor digest, so "delivered" means "no bounce came back".
--   total_opened/clicked people who opened / clicked at least one email (campaign_contacts.opened
--                        and .clicked, set by the tracking events), like total_replied is people.
--   total_meetings       people with a booked meeting (campaign_contacts.meeting_booked, set with
--                        the outcome once per person and campaign: outcomes.countMeeting).
--   reply_rate, meeting_rate   over contacts_sent;
--   open_rate            over the people who received at least one email;
--   positive_reply_rate  over the people who replied (as N25).
-- Rates are percentages with two decimals, NULL while their denominator is 0.
CREATE OR REPLACE FUNCTION update_campaign_metrics(p_campaign_id UUID)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    v_contacted INTEGER;
    v_emailed INTEGER;
    v_replied INTEGER;
    v_positive INTEGER;
    v_meetings INTEGER;
    v_opened INTEGER;
BEGIN
    SELECT
        COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages m WHERE m.campaign_contact_id = cc.id AND m.sent_at IS NOT NULL)),
        COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages m WHERE m.campaign_contact_id = cc.id AND m.sent_at IS NOT NULL AND m.channel = 'email')),
        COUNT(*) FILTER (WHERE cc.replied),
        COUNT(*) FILTER (WHERE cc.replied AND cc.reply_sentiment = 'positive'),
        COUNT(*) FILTER (WHERE cc.meeting_booked),
        COUNT(*) FILTER (WHERE cc.opened)
    INTO v_contacted, v_emailed, v_replied, v_positive, v_meetings, v_opened
    FROM campaign_contacts cc
    WHERE cc.campaign_id = p_campaign_id;

    UPDATE campaigns c
    SET
        total_contacts = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id),
        contacts_sent = v_contacted,
        contacts_remaining = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND status IN ('queued', 'waiting')),
        total_sent = (SELECT COUNT(*) FROM messages m JOIN campaign_contacts cc ON m.campaign_contact_id = cc.id
                      WHERE cc.campaign_id = p_campaign_id AND m.sent_at IS NOT NULL),
        total_delivered = (SELECT COUNT(*) FROM messages m JOIN campaign_contacts cc ON m.campaign_contact_id = cc.id
                           WHERE cc.campaign_id = p_campaign_id AND m.sent_at IS NOT NULL AND m.status <> 'bounced'),
        total_opened = v_opened,
        total_clicked = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND clicked),
        total_replied = v_replied,
        total_positive_replies = v_positive,
        total_meetings = v_meetings,
        reply_rate = LEAST(ROUND(v_replied::decimal / NULLIF(v_contacted, 0) * 100, 2), 999.99),
        positive_reply_rate = ROUND(v_positive::decimal / NULLIF(v_replied, 0) * 100, 2),
        meeting_rate = LEAST(ROUND(v_meetings::decimal / NULLIF(v_contacted, 0) * 100, 2), 999.99),
        open_rate = LEAST(ROUND(v_opened::decimal / NULLIF(v_emailed, 0) * 100, 2), 999.99),
        updated_at = NOW()
    WHERE id = p_campaign_id;
END;
$$;

-- K3. campaign_performance's live rates per person, not per message: current_reply_rate and
-- current_meeting_rate divide by contacts_sent (the people who received at least one message),
-- not by total_sent (messages), which understated multi-step campaigns (every follow-up grew the
-- denominator). `rate_denominator` (a new last column) says so in every output that shows them.
CREATE OR REPLACE VIEW campaign_performance WITH (security_invoker = true) AS
SELECT
    c.*,
    o.name AS offer_name,
    ROUND(c.total_replied::decimal / NULLIF(c.contacts_sent, 0) * 100, 2) AS current_reply_rate,
    ROUND(c.total_positive_replies::decimal / NULLIF(c.total_replied, 0) * 100, 2) AS positive_rate,
    ROUND(c.total_meetings::decimal / NULLIF(c.contacts_sent, 0) * 100, 2) AS current_meeting_rate,
    'reply and meeting rates: per person contacted (contacts_sent); positive rate: per person who replied; open_rate: per person emailed'::text AS rate_denominator
FROM campaigns c
JOIN offers o ON c.offer_id = o.id;
