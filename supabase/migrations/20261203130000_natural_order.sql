-- offerlab: one seed, one story (docs/schema-notes.md, "Later migrations", S11 to S13).
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

-- S13. The campaign contact's natural key (campaign slug, the person's email and LinkedIn URL, else
-- name), set on insert by a trigger whatever writes the row. The planner takes due campaign
-- contacts by `next_step_at`, then this key: new contacts all have NULL there, and their order
-- was the table's, so which of them a limited pass planned differed between two runs of one
-- sandbox seed. The due-step index carries the key (and the id, for rows that share a key), so
-- the pick still stops at the first free row instead of sorting every due contact.
ALTER TABLE campaign_contacts ADD COLUMN natural_key TEXT;

CREATE FUNCTION campaign_contact_natural_key(p_campaign UUID, p_contact UUID) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.campaign_slug, c.name) || '|' || coalesce(
        nullif(concat_ws(' ', lower(ct.email), ct.linkedin_url), ''),
        nullif(concat_ws(' ', ct.first_name, ct.last_name), ''),
        ct.id::text)
    FROM campaigns c, contacts ct
    WHERE c.id = p_campaign AND ct.id = p_contact
$$;

CREATE FUNCTION set_campaign_contact_natural_key() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.natural_key IS NULL THEN
        NEW.natural_key := campaign_contact_natural_key(NEW.campaign_id, NEW.contact_id);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_campaign_contacts_natural_key BEFORE INSERT ON campaign_contacts
    FOR EACH ROW EXECUTE FUNCTION set_campaign_contact_natural_key();

UPDATE campaign_contacts SET natural_key = campaign_contact_natural_key(campaign_id, contact_id);

DROP INDEX idx_campaign_contacts_next_step;
CREATE INDEX idx_campaign_contacts_next_step ON campaign_contacts(next_step_at, natural_key, id)
    WHERE status IN ('queued', 'in_progress', 'waiting');

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
