-- offerlab: the dashboard's daily chart and its end (issue 18; docs/schema-notes.md, "Later
-- migrations"; BENCHMARKS.md, "Dashboard"). The overview and a campaign's page count the messages
-- sent and answered on each of the last 14 UTC days, and the chart ends at the last send
-- (max(sent_at)): without an index on those times both read every message. Partial: a message is
-- indexed once it is sent (or answered), so the planner's queued rows cost nothing here.
CREATE INDEX idx_messages_sent_at ON messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX idx_messages_replied_at ON messages (replied_at) WHERE replied_at IS NOT NULL;
