-- offerlab: each account's pacing between two of its sends (issue 19; docs/schema-notes.md, "Later migrations").
-- After a send the account rests for `send_gap_min_seconds` plus a random draw in
-- [0, `send_gap_variance_seconds`] (the "min gap" and "random variance" of Smartlead and Instantly);
-- the end of the rest is `accounts.next_send_at`, which the claim reads so that it does not claim
-- the rows of a resting account. NULL: the runner's default (90 s + up to 210 s, `accountGapMs`).
ALTER TABLE accounts
    ADD COLUMN send_gap_min_seconds INTEGER
        CONSTRAINT accounts_send_gap_min_range CHECK (send_gap_min_seconds IS NULL OR send_gap_min_seconds BETWEEN 0 AND 86400),
    ADD COLUMN send_gap_variance_seconds INTEGER
        CONSTRAINT accounts_send_gap_variance_range CHECK (send_gap_variance_seconds IS NULL OR send_gap_variance_seconds BETWEEN 0 AND 86400);
