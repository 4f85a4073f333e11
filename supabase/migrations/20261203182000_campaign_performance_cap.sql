-- offerlab: campaign_performance shows the campaign's daily cap (docs/schema-notes.md, Q3).
-- The view is written as `c.*`, which PostgreSQL expands when the view is created: the column
-- `campaigns.daily_send_cap` (20261203181600) is not in it until the view is made again. The new
-- column sits among `c.*`, before the view's own columns, so CREATE OR REPLACE cannot add it
-- (it may only append): drop and create, in this migration's transaction. Nothing depends on the
-- view; its definition is otherwise the one of 20261203174500 (K3).
DROP VIEW campaign_performance;

CREATE VIEW campaign_performance WITH (security_invoker = true) AS
SELECT
    c.*,
    o.name AS offer_name,
    ROUND(c.total_replied::decimal / NULLIF(c.contacts_sent, 0) * 100, 2) AS current_reply_rate,
    ROUND(c.total_positive_replies::decimal / NULLIF(c.total_replied, 0) * 100, 2) AS positive_rate,
    ROUND(c.total_meetings::decimal / NULLIF(c.contacts_sent, 0) * 100, 2) AS current_meeting_rate,
    'reply and meeting rates: per person contacted (contacts_sent); positive rate: per person who replied; open_rate: per person emailed'::text AS rate_denominator
FROM campaigns c
JOIN offers o ON c.offer_id = o.id;
