-- S9. contacts_ready is written as `co.*`, which froze its column list when it was created: the
-- column P2 added (contacts.email_checked_at) was missing from it. Recreated with the same
-- definition (docs/schema-notes.md, rule of S8). A test now compares every `table.*` view with
-- its table, so the next column added cannot be forgotten.
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
AND co.global_status = 'available';
