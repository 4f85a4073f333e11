-- apply-campaign-columns: brings a campaigns table created before campaign_slug, account_ids and
-- target_criteria existed up to the current shape. Idempotent: safe to run any number of times,
-- on an old database or on one created by our migrations (where it changes nothing).
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f supabase/scripts/apply-campaign-columns.sql

ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS campaign_slug TEXT;
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS account_ids JSONB;
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS target_criteria JSONB;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_constraint con
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
        WHERE con.conrelid = 'campaigns'::regclass
          AND con.contype = 'u'
          AND array_length(con.conkey, 1) = 1
          AND att.attname = 'campaign_slug'
    ) THEN
        ALTER TABLE campaigns ADD CONSTRAINT campaigns_campaign_slug_key UNIQUE (campaign_slug);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS idx_campaigns_slug ON campaigns(campaign_slug);
