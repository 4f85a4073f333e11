-- offerlab: the dashboard's leads table at 200k contacts (issue 18; docs/schema-notes.md, "Later
-- migrations"; BENCHMARKS.md, "Dashboard"). Its search is a substring match (ILIKE '%…%') on the
-- name, email and title of a contact and the name and domain of its company, which no B-tree can
-- serve: trigram GIN indexes (pg_trgm) can. Its sorts are by the newest row, a name and a company
-- name: B-tree indexes on those keys (with the id, the keyset's tie-break) let a page read 51 rows
-- in order instead of sorting the whole filter.
-- pg_trgm ships with PostgreSQL's contrib modules (Supabase has it; the embedded PGlite loads it,
-- see createDb). Without it this migration stops with a message that says so.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE EXCEPTION 'offerlab needs the PostgreSQL extension pg_trgm (the leads search): install the server''s contrib modules (e.g. the postgresql-contrib package) or enable pg_trgm, then run the migrations again';
    END IF;
END
$$;
-- In a schema of its own (Supabase's convention), so its functions stay out of the public API.
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;

CREATE INDEX idx_contacts_full_name_trgm ON contacts USING gin (full_name extensions.gin_trgm_ops);
CREATE INDEX idx_contacts_email_trgm ON contacts USING gin (email extensions.gin_trgm_ops);
CREATE INDEX idx_contacts_title_trgm ON contacts USING gin (title extensions.gin_trgm_ops);
CREATE INDEX idx_companies_name_trgm ON companies USING gin (name extensions.gin_trgm_ops);
CREATE INDEX idx_companies_domain_trgm ON companies USING gin (domain extensions.gin_trgm_ops);

-- The leads table's orders (db's dashboard.leads): newest first, by name, by company name.
CREATE INDEX idx_contacts_created_id ON contacts (created_at, id);
CREATE INDEX idx_contacts_sort_name ON contacts ((COALESCE(lower(full_name), '')), id);
CREATE INDEX idx_companies_sort_name ON companies ((lower(name)), id);
