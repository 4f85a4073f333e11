-- offerlab: the outcomes log (docs/schema-notes.md, "Later migrations", O1).
-- Nothing here changes a column the schema document defines.

-- O1. What happened after the outreach, one row per fact: a meeting booked or held, a no-show,
-- a conversion, a rejection. Recorded by hand, from a CSV, or by a booking webhook. Each row is
-- attributed to the last touch before it (campaign, offer, step, variant, account); the
-- attribution columns are NULL when no touch lies in the window (an unattributed outcome).
CREATE TABLE outcomes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_id UUID REFERENCES contacts(id) ON DELETE SET NULL,
    company_id UUID REFERENCES companies(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN (
        'meeting_booked', 'meeting_held', 'no_show', 'converted', 'rejected', 'not_interested', 'wrong_person'
    )),
    occurred_at TIMESTAMPTZ NOT NULL,
    -- when the meeting takes place (meeting_booked only; occurred_at is when it was booked)
    meeting_at TIMESTAMPTZ,
    value NUMERIC(14,2) CHECK (value IS NULL OR value >= 0),
    currency TEXT CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'csv', 'cal_com', 'calendly', 'sandbox')),
    -- the delivering system's id: a redelivery with the same (source, external_id) is a no-op
    external_id TEXT,
    campaign_id UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    offer_id UUID REFERENCES offers(id) ON DELETE SET NULL,
    sequence_step INTEGER,
    variant TEXT,
    account_id UUID REFERENCES accounts(id) ON DELETE SET NULL,
    -- the touch the attribution chose (NULL: unattributed or named explicitly)
    attributed_touch_at TIMESTAMPTZ,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT outcomes_meeting_at_only_for_meetings CHECK (meeting_at IS NULL OR kind = 'meeting_booked'),
    CONSTRAINT outcomes_value_only_for_conversions CHECK (value IS NULL OR kind = 'converted')
);

CREATE UNIQUE INDEX idx_outcomes_external ON outcomes(source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX idx_outcomes_contact ON outcomes(contact_id, occurred_at DESC);
CREATE INDEX idx_outcomes_campaign ON outcomes(campaign_id, kind);

-- Like every table: no access through Supabase's anon/authenticated roles; offerlab connects as the owner.
ALTER TABLE outcomes ENABLE ROW LEVEL SECURITY;
