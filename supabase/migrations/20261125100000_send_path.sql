-- offerlab: what the send path needs beyond the schema document (docs/schema-notes.md, "Later
-- migrations", S1-S6). Nothing here changes a column the document defines.

-- S1. Attempts: one row per try of a send_queue row. Its id is the fencing token: the outcome is
-- recorded only by `UPDATE … WHERE id = <attempt> AND status IN (…)`, so a runner that outlived
-- its lease cannot record twice, and nobody can finish someone else's attempt.
--   claimed  → quota reserved, no HTTP started (a lapsed lease returns the row to the queue)
--   sending  → the provider call may have started (a lapsed lease makes it `unknown`)
--   sent | refused (definite "provider did nothing") | unknown (never resent until reconciled)
--   not_sent (the reconciler proved nothing happened) | expired (claimed, lease lapsed)
--   cancelled (a reply or a stop arrived before the call started)
CREATE TABLE send_attempts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    send_queue_id UUID NOT NULL REFERENCES send_queue(id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts(id),
    action_type TEXT NOT NULL CHECK (action_type IN ('connection_request', 'message', 'email', 'inmail')),
    runner_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN (
        'claimed', 'sending', 'sent', 'refused', 'unknown', 'not_sent', 'expired', 'cancelled'
    )),
    -- Where the quota was reserved, so a release gives back exactly what was taken.
    usage_day TIMESTAMPTZ NOT NULL,
    usage_hour TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    provider_ids JSONB NOT NULL DEFAULT '{}',
    error_kind TEXT,
    error_message TEXT,
    reconcile_checks INTEGER NOT NULL DEFAULT 0,
    reconcile_note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- At most one send in flight per sender account, across all runners (pacing, no same-account race).
CREATE UNIQUE INDEX uq_send_attempts_account_in_flight ON send_attempts(account_id)
    WHERE status IN ('claimed', 'sending');
-- At most one open attempt per queue row: an unknown outcome blocks any new attempt.
CREATE UNIQUE INDEX uq_send_attempts_queue_open ON send_attempts(send_queue_id)
    WHERE status IN ('claimed', 'sending', 'unknown');
CREATE INDEX idx_send_attempts_open ON send_attempts(status, lease_until)
    WHERE status IN ('claimed', 'sending', 'unknown');
CREATE INDEX idx_send_attempts_queue ON send_attempts(send_queue_id);

-- S2. Quota: one row per account and period, incremented by a guarded upsert (`… DO UPDATE SET
-- used = used + 1 WHERE used < limit`), so no number of runners can overrun a limit, and each
-- period gets a fresh row: nothing is reset at midnight, so nothing races at midnight. Days and
-- hours are UTC periods. `action` is the daily counter's action type, or '*' for the hourly limit.
CREATE TABLE account_usage (
    account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    period TEXT NOT NULL CHECK (period IN ('day', 'hour')),
    period_start TIMESTAMPTZ NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('connection_request', 'message', 'email', '*')),
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (account_id, period, period_start, action)
);

-- S3. Pacing and cooldown per account: a randomised minimum gap between two sends, claimed with a
-- guarded update (`WHERE next_send_at <= now`), and the end of a provider rate-limit cooldown.
ALTER TABLE accounts ADD COLUMN next_send_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN limited_until TIMESTAMPTZ;

-- S4. Queue rows: what the send consumes, why it is waiting, its open attempt, and a unique key
-- per campaign contact and step so the same step can never be planned twice.
ALTER TABLE send_queue ADD COLUMN action_type TEXT
    CHECK (action_type IN ('connection_request', 'message', 'email', 'inmail'));
ALTER TABLE send_queue ADD COLUMN defer_reason TEXT;
ALTER TABLE send_queue ADD COLUMN current_attempt_id UUID REFERENCES send_attempts(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX uq_send_queue_campaign_contact_step ON send_queue(campaign_contact_id, sequence_step);
CREATE INDEX idx_send_queue_processing ON send_queue(status) WHERE status = 'processing';

-- S5. One planned message per queue row.
CREATE UNIQUE INDEX uq_messages_send_queue ON messages(send_queue_id);

-- S6. Sequence state per campaign contact: the sticky senders (the LinkedIn DM comes from the
-- account whose invitation was accepted; email follow-ups from the first mailbox, in its thread),
-- the vendor ids needed to continue, and progress the engine plans from.
ALTER TABLE campaign_contacts ADD COLUMN linkedin_account_id UUID REFERENCES accounts(id);
ALTER TABLE campaign_contacts ADD COLUMN email_account_id UUID REFERENCES accounts(id);
ALTER TABLE campaign_contacts ADD COLUMN linkedin_provider_id TEXT;
ALTER TABLE campaign_contacts ADD COLUMN linkedin_chat_id TEXT;
ALTER TABLE campaign_contacts ADD COLUMN email_thread_ref TEXT;
ALTER TABLE campaign_contacts ADD COLUMN invitation_sent_at TIMESTAMPTZ;
ALTER TABLE campaign_contacts ADD COLUMN connected_at TIMESTAMPTZ;
ALTER TABLE campaign_contacts ADD COLUMN touches INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_contacts ADD COLUMN last_step_at TIMESTAMPTZ;
ALTER TABLE campaign_contacts ADD COLUMN paused_until TIMESTAMPTZ;
ALTER TABLE campaign_contacts ADD COLUMN stop_reason TEXT;

ALTER TABLE send_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_usage ENABLE ROW LEVEL SECURITY;
