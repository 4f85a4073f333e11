-- offerlab: the simulated clock a sandbox run left its data at (issue 17; docs/schema-notes.md, "Later migrations").
-- The sandbox's data lives on its simulated clock, and a report over it is read as of the data's
-- time. The last send or reply is not that time: `offerlab demo --weeks 1` simulates to Monday
-- 03-09 while its last send is on Friday 03-06 (no sends at the weekend), so the report's maturity
-- read three days early. The demo records where its clock stopped; the data's clock is the latest
-- of this and the last send, reply or assignment (db's `experiments.latestRecordedAt`).
ALTER TABLE offerlab_instance
    ADD COLUMN simulated_clock_at TIMESTAMPTZ;
