-- offerlab: the webhook receiver's inbox (docs/schema-notes.md, "Later migrations", W1).
-- Nothing here changes a column the document defines.

-- W1. Every provider event the receiver accepted, stored raw before anything is done with it, so
-- the HTTP answer is fast and processing can be retried. `dedupe_key` comes from the provider's
-- ids (a redelivery or the inbox sync finding the same message hits the unique key and is
-- dropped). Processing claims rows with FOR UPDATE SKIP LOCKED and a lease (`locked_until`);
-- `available_at` delays a retry (an event that refers to a send we have not recorded yet).
CREATE TABLE webhook_inbox (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    provider TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'ignored', 'unmatched', 'failed')),
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    available_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    locked_until TIMESTAMPTZ,
    processed_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    outcome TEXT,
    error TEXT,
    UNIQUE (provider, dedupe_key)
);

CREATE INDEX idx_webhook_inbox_pending ON webhook_inbox(available_at) WHERE status = 'pending';

ALTER TABLE webhook_inbox ENABLE ROW LEVEL SECURITY;
