-- offerlab: a campaign's own daily cap on sends (issue 16; docs/schema-notes.md, "Later migrations").
-- `campaigns.daily_send_cap`: at most this many sends (invitations, messages and emails together)
-- per calendar day in the campaign's time zone; NULL means no cap of the campaign's own (the
-- accounts' limits still apply). The send path counts every send of a campaign in
-- `campaign_usage`, one row per (campaign, local day), with the guarded upsert it uses for the
-- accounts' quota (`sent < cap`), in the claim's transaction: two runners cannot both take the
-- last unit. A send whose provider did nothing gives its unit back, to the day its attempt
-- reserved (`send_attempts.campaign_day`), exactly where the account quota is given back.
ALTER TABLE campaigns
    ADD COLUMN daily_send_cap INTEGER CONSTRAINT campaigns_daily_send_cap_positive CHECK (daily_send_cap IS NULL OR daily_send_cap > 0);

CREATE TABLE campaign_usage (
    campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0 CHECK (sent >= 0),
    PRIMARY KEY (campaign_id, day)
);

ALTER TABLE campaign_usage ENABLE ROW LEVEL SECURITY;

-- The campaign's local day the attempt counted against (NULL for attempts made before this migration).
ALTER TABLE send_attempts ADD COLUMN campaign_day DATE;
