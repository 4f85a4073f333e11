-- offerlab: a suppression list (docs/schema-notes.md, "Later migrations", P1).
-- A person or a whole domain offerlab must never contact, whatever campaign or offer: someone
-- who asked by mail, a customer's domain, a competitor. Entries hold the normalised value
-- (core's normalize.ts), so a lookup compares like with like. Checked at enrolment and again
-- when the send path claims a row (invariant 4 in docs/architecture.md).
CREATE TABLE suppressions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind TEXT NOT NULL CHECK (kind IN ('email', 'linkedin', 'domain')),
    value TEXT NOT NULL CHECK (length(value) > 0),
    reason TEXT NOT NULL CHECK (length(btrim(reason)) > 0),
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'csv')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (kind, value)
);

ALTER TABLE suppressions ENABLE ROW LEVEL SECURITY;
