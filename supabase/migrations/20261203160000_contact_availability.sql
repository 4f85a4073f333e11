-- offerlab: a contact's global status follows the dates (docs/contact-status.md; docs/schema-notes.md,
-- C1 and C2). Nothing here changes a column the schema document defines.

-- C1. The cooling-off window, in days, as a setting with one home: at most one row; no row means
-- the default, 60. `offerlab settings cooling-off` shows and changes it.
CREATE TABLE offerlab_settings (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    cooling_off_days INTEGER NOT NULL DEFAULT 60 CHECK (cooling_off_days BETWEEN 1 AND 3650),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
ALTER TABLE offerlab_settings ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION offerlab_cooling_off_days() RETURNS INTEGER
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT cooling_off_days FROM offerlab_settings WHERE singleton), 60)
$$;

-- C2. Whether a new campaign may take a contact row now, as far as its global status goes: the one
-- definition the views use. `cooling_off` is a date, not a state: it ends by itself when the window
-- from our last touch (global_last_contacted_at, kept on every row of the person by the send path)
-- has passed. `cooling_off` with no known touch is trusted (it cannot be checked against a date).
-- `replied` and `do_not_contact` never end by themselves. The scheduler's `checkEligibility` is the
-- same rule in TypeScript; a test compares the two on generated cases.
CREATE FUNCTION contact_globally_available(p_status TEXT, p_last_contacted_at TIMESTAMPTZ, p_now TIMESTAMPTZ)
RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_status = 'available' THEN p_last_contacted_at IS NULL
            OR p_now >= p_last_contacted_at + make_interval(days => offerlab_cooling_off_days())
        WHEN p_status = 'cooling_off' THEN p_last_contacted_at IS NOT NULL
            AND p_now >= p_last_contacted_at + make_interval(days => offerlab_cooling_off_days())
        ELSE FALSE
    END
$$;

DROP VIEW contacts_ready;

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
AND co.global_status IN ('available', 'cooling_off')
AND contact_globally_available(co.global_status, co.global_last_contacted_at, NOW());

-- The V2 index's predicate named global_status = 'available'; a person cooling off may now be
-- ready, and NOW() cannot sit in an index predicate, so it takes both statuses.
DROP INDEX idx_contacts_ready_company;
CREATE INDEX idx_contacts_ready_company ON contacts(company_id, offer_id)
WHERE status IN ('ready', 'enriched')
  AND skip_reason IS NULL
  AND (connection_degree IS NULL OR connection_degree > 1)
  AND already_contacted = FALSE
  AND eligible_for_outreach = TRUE
  AND global_status IN ('available', 'cooling_off');
