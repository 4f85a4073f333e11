-- offerlab: the dashboard's saved views (issue 18; docs/schema-notes.md, "Later migrations").
-- A saved view is a name for a page's query string (the leads table's filters, search, sort and
-- columns live in the URL): applying it opens the page with that query. Names are unique per page,
-- compared without regard to case, so "Hot leads" and "hot leads" cannot both exist.
CREATE TABLE saved_views (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    page TEXT NOT NULL DEFAULT 'leads' CHECK (page IN ('leads')),
    name TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
    query TEXT NOT NULL DEFAULT '' CHECK (length(query) <= 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX saved_views_page_name_key ON saved_views (page, lower(name));

ALTER TABLE saved_views ENABLE ROW LEVEL SECURITY;
