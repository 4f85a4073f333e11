-- offerlab: vendor rate limits enforced across processes (docs/schema-notes.md, "Later migrations", T1-T2).
-- `tools.rate_limit_per_minute` / `rate_limit_per_day` were stored and read by nothing. Every
-- vendor call now goes through one gate (provider-kit `createRateGate`) that consumes one unit
-- from the tool's current minute window and its current day window (UTC) in one transaction:
-- an upsert guarded by `used < limit`, so two runners in two processes (or on two machines on one
-- database) share the limit without locks beyond the window row's own.
CREATE TABLE tool_rate_windows (
    tool_id UUID NOT NULL REFERENCES tools(id) ON DELETE CASCADE,
    window_kind TEXT NOT NULL CHECK (window_kind IN ('minute', 'day')),
    window_start TIMESTAMPTZ NOT NULL,
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (tool_id, window_kind, window_start)
);

ALTER TABLE tool_rate_windows ENABLE ROW LEVEL SECURITY;

-- A limit of 0 or less would refuse every call for ever; NULL means "no limit of ours".
ALTER TABLE tools
    ADD CONSTRAINT tools_rate_limit_per_minute_positive CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
    ADD CONSTRAINT tools_rate_limit_per_day_positive CHECK (rate_limit_per_day IS NULL OR rate_limit_per_day > 0),
    ADD CONSTRAINT tools_credits_remaining_not_negative CHECK (credits_remaining IS NULL OR credits_remaining >= 0);
