-- S7. Credits can be fractional: LeadMagic bills 0.25 credit for some lookups, and the usage log
-- must add them up exactly (a budget that rounds every call up would stop runs early, one that
-- rounds down would overspend). The document's INTEGER columns become NUMERIC(12,4).
ALTER TABLE tool_usage ALTER COLUMN credits_used TYPE NUMERIC(12,4);
ALTER TABLE tools ALTER COLUMN total_credits_used TYPE NUMERIC(14,4);
