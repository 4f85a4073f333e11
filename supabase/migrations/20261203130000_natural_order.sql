-- offerlab: one seed, one story (docs/schema-notes.md, "Later migrations", S11 and S12).
-- Nothing here changes a column the schema document defines.

-- S11. The queue row's natural key (campaign slug, the person's email or LinkedIn URL, step),
-- written by the planner. The claim takes due rows by priority and send time; rows that tie
-- there (every row deferred to the same day's opening, say) were taken in the order of their
-- random ids, so two runs of one sandbox seed sent to different people first. They are now taken
-- in the order of this key, and by id only when it is missing (rows queued before this column).
ALTER TABLE send_queue ADD COLUMN natural_key TEXT;

-- S12. When the row ended without a send (failed, skipped, cancelled), on the clock of the runner
-- that ended it. The planner counts the next step's delay from it; it used `updated_at`, which a
-- trigger sets from the database's wall clock, so in a sandbox run (simulated time) the next step
-- waited from whatever day the run happened on.
ALTER TABLE send_queue ADD COLUMN ended_at TIMESTAMPTZ;

-- todays_schedule is written with `sq.*`, which froze its column list (S8): recreated, with the
-- same definition, so it has both new columns.
DROP VIEW todays_schedule;
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
