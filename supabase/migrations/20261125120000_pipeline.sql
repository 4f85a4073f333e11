-- offerlab: what @offerlab/pipeline needs beyond the schema document (docs/schema-notes.md,
-- "Later migrations", P1-P2). Nothing here changes a column the document defines.

-- P1. Paid lookups already made, so a resumed or repeated run reuses the answer instead of
-- paying again. One row per (tool, action, lookup_key): the key is the normalised request
-- (a search page, a person's name and domain, an address to verify, a URL to scrape). Only
-- answers are stored (a vendor error is not an answer and is retried next time). `credits`
-- is what the vendor charged for the answer (numeric: some vendors bill fractions), charged to
-- the run that paid; a deleted offer or run keeps the row (the money was spent).
CREATE TABLE pipeline_lookups (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tool TEXT NOT NULL,
    action TEXT NOT NULL,
    lookup_key TEXT NOT NULL,
    result JSONB NOT NULL,
    credits NUMERIC NOT NULL DEFAULT 0 CHECK (credits >= 0),
    offer_id UUID REFERENCES offers(id) ON DELETE SET NULL,
    pipeline_run_id UUID REFERENCES pipeline_runs(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (tool, action, lookup_key)
);

CREATE INDEX idx_pipeline_lookups_run ON pipeline_lookups(pipeline_run_id);

ALTER TABLE pipeline_lookups ENABLE ROW LEVEL SECURITY;

-- P2. When the email waterfall last decided a contact's `email_status`, so a later run skips
-- people enriched recently instead of paying for them again (`updated_at` moves on any edit).
ALTER TABLE contacts ADD COLUMN email_checked_at TIMESTAMPTZ;
