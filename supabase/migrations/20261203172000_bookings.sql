-- offerlab: meetings from Cal.com and Calendly (docs/schema-notes.md, "Later migrations", B1, B2).
-- Nothing here changes a column the schema document defines.

-- B1. A booking tool's cancellation is an outcome of its own. The column constraint of O1 is
-- replaced (same list plus 'meeting_cancelled'); a cancelled meeting moves no status and no counter.
ALTER TABLE outcomes DROP CONSTRAINT outcomes_kind_check;
ALTER TABLE outcomes ADD CONSTRAINT outcomes_kind_check CHECK (kind IN (
    'meeting_booked', 'meeting_cancelled', 'meeting_held', 'no_show', 'converted', 'rejected', 'not_interested', 'wrong_person'
));

-- B2. Bookings for nobody we know: kept (never dropped) and shown by `offerlab outcomes unmatched`,
-- until the person is imported and the booking is matched (`matched_outcome_id`).
CREATE TABLE unmatched_bookings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source TEXT NOT NULL CHECK (source IN ('cal_com', 'calendly')),
    -- the booking's uid and the vendor's event (the outcome's external id once matched)
    external_id TEXT NOT NULL,
    -- created / rescheduled / cancelled, and the vendor's own trigger name
    event TEXT NOT NULL CHECK (event IN ('created', 'rescheduled', 'cancelled')),
    trigger TEXT NOT NULL,
    -- the first attendee's address, normalised (NULL when the vendor sent no usable address)
    attendee_email TEXT,
    attendee_name TEXT,
    meeting_at TIMESTAMPTZ NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    title TEXT,
    payload JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    matched_outcome_id UUID REFERENCES outcomes(id) ON DELETE SET NULL,
    matched_at TIMESTAMPTZ,
    CONSTRAINT unmatched_bookings_source_external UNIQUE (source, external_id)
);

CREATE INDEX idx_unmatched_bookings_open ON unmatched_bookings(received_at DESC) WHERE matched_outcome_id IS NULL;

-- Like every table: no access through Supabase's anon/authenticated roles; offerlab connects as the owner.
ALTER TABLE unmatched_bookings ENABLE ROW LEVEL SECURITY;
