-- M1. Which world a database belongs to. A database holds either live data (real vendors, real
-- people, real sends) or the sandbox's simulated world (`offerlab demo`, `--sandbox`), never both:
-- offerlab marks it on first use and refuses a run of the other kind (a live command on a sandbox
-- database would reuse simulated lookups, count simulated credits and send to simulated people at
-- domains that may be real). One row at most.
CREATE TABLE offerlab_instance (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    mode TEXT NOT NULL CHECK (mode IN ('live', 'sandbox')),
    marked_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Who marked it and why (a command, or this migration for an older demo database).
    note TEXT
);

ALTER TABLE offerlab_instance ENABLE ROW LEVEL SECURITY;

-- M2. Lookups, tool usage and pipeline runs say whether the sandbox made them, so a library user
-- who mixes the two in one database still never reuses a simulated answer in a live run, and
-- credits spent are told apart. A lookup is now unique per world.
ALTER TABLE pipeline_lookups ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pipeline_lookups DROP CONSTRAINT pipeline_lookups_tool_action_lookup_key_key;
ALTER TABLE pipeline_lookups ADD CONSTRAINT pipeline_lookups_tool_action_lookup_key_sandbox_key UNIQUE (tool, action, lookup_key, sandbox);
ALTER TABLE tool_usage ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pipeline_runs ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;

-- A database made by `offerlab demo` before this migration holds the sandbox's Unipile accounts
-- (their ids start with `sbx`): mark it, and everything in it, as the sandbox's.
INSERT INTO offerlab_instance (mode, note)
SELECT 'sandbox', 'marked by migration 20261203090000: it holds the sandbox''s Unipile accounts'
WHERE EXISTS (SELECT 1 FROM accounts WHERE unipile_account_id LIKE 'sbx%');

UPDATE pipeline_lookups SET sandbox = TRUE WHERE EXISTS (SELECT 1 FROM offerlab_instance WHERE mode = 'sandbox');
UPDATE tool_usage SET sandbox = TRUE WHERE EXISTS (SELECT 1 FROM offerlab_instance WHERE mode = 'sandbox');
UPDATE pipeline_runs SET sandbox = TRUE WHERE EXISTS (SELECT 1 FROM offerlab_instance WHERE mode = 'sandbox');
