-- N26. todays_queue listed messages with status 'pending' only. The planner writes every message
-- it plans as 'queued' (packages/scheduler/src/runtime/plan.ts; a refused send that will be
-- retried goes back to 'queued' too), so the view was always empty. A message waits to be sent
-- while it is 'pending' (the document's "not yet sent") or 'queued' ("in send queue").
--
-- When it is due also changed: the send path defers a queue row by moving
-- send_queue.scheduled_for (window closed, daily cap …) and leaves messages.scheduled_at at the
-- planned time, so a message deferred to tomorrow looked due now. The due time is the queue row's
-- when the message has one, else the message's own; it is shown as `due_at` (a new last column;
-- the others are unchanged) and the rows are ordered by it.
CREATE OR REPLACE VIEW todays_queue WITH (security_invoker = true) AS
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
