-- offerlab: every unknown outcome is settled (docs/schema-notes.md, "Later migrations", S10).
-- Nothing here changes a column the schema document defines.

-- S10. When the reconciler next asks the provider about an `unknown` attempt. NULL means at once
-- (a fresh unknown outcome). After each answer that settles nothing the check moves out on a
-- jittered exponential back-off (about 1 min, doubling, capped near 1 h), so an attempt the
-- provider cannot settle yet costs a few reads an hour instead of one per runner and tick. A
-- runner takes a check by moving this forward with a guarded update, so two runners never ask
-- about the same attempt at once.
ALTER TABLE send_attempts ADD COLUMN next_check_at TIMESTAMPTZ;
CREATE INDEX idx_send_attempts_reconcile ON send_attempts(next_check_at)
    WHERE status = 'unknown';

-- `undetermined`: the provider still could not tell, a day after the attempt, whether the send
-- happened. Terminal: the row is failed with `outcome_unknown` and never resent (a send that may
-- have happened is never repeated on a guess); its quota stays counted, as if it had been sent.
ALTER TABLE send_attempts DROP CONSTRAINT send_attempts_status_check;
ALTER TABLE send_attempts ADD CONSTRAINT send_attempts_status_check CHECK (status IN (
    'claimed', 'sending', 'sent', 'refused', 'unknown', 'not_sent', 'expired', 'cancelled', 'undetermined'
));
-- The alert counts the recent ones on every cron tick and dashboard: without this, a scan of
-- every attempt ever made.
CREATE INDEX idx_send_attempts_undetermined ON send_attempts(started_at)
    WHERE status = 'undetermined';
