-- offerlab: LinkedIn profile lookups (the connection degree before enrolment) spend a daily budget
-- of their own per account (docs/schema-notes.md, D1). Nothing here changes a column the schema
-- document defines.

-- D1. account_usage counts profile views too, reserved with the same guarded upsert as sends, so
-- two lookups running at once cannot overspend an account's daily profile views.
ALTER TABLE account_usage DROP CONSTRAINT account_usage_action_check;
ALTER TABLE account_usage ADD CONSTRAINT account_usage_action_check
    CHECK (action IN ('connection_request', 'message', 'email', 'profile_view', '*'));
