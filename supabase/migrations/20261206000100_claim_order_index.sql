-- offerlab: the claim's order as an index (issue 19; docs/schema-notes.md, "Later migrations";
-- BENCHMARKS.md, "Send path"). The claim takes the first due row by `priority, scheduled_for,
-- natural_key, id` (S11) whose account is free. The only index on due rows was by `scheduled_for`
-- alone, so every claim read and sorted every due row: with a backlog (a window opening on a
-- morning's sends, a runner catching up) each send cost a read of the whole backlog, and a claim
-- took milliseconds per thousand due rows. With the order in the index the claim walks due rows in
-- order and stops at the first it can take. Partial, as idx_send_queue_due: rows leave it once sent.
CREATE INDEX idx_send_queue_claim_order ON send_queue (priority, scheduled_for, natural_key, id)
    WHERE status IN ('pending', 'scheduled');
