-- Local development seed, applied by `supabase db reset` (and by `offerlab db seed` in tests of
-- the views). Reference data the application needs in production (the tools catalogue) lives in
-- the migrations instead, so it is never missing from a real database.
--
-- A small, coherent example: one offer, two companies, three contacts (one a 1st-degree
-- connection), two accounts and a campaign with one contact already contacted.

INSERT INTO offers (id, name, slug, type, ownership, description, status)
VALUES ('00000000-0000-4000-8000-000000000001', 'AI Sales Coach', 'ai-sales-coach', 'product', 'internal',
        'Real-time AI role-play that cuts new sales reps'' ramp time in half.', 'ready')
ON CONFLICT (id) DO NOTHING;

INSERT INTO companies (id, offer_id, name, domain, url, size, size_exact, vertical, source_tool, status, fit_score, priority, signals)
VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', 'Acme Analytics', 'acme-analytics.com',
     'https://acme-analytics.com', '51-200', 120, 'saas', 'manual', 'qualified', 8, 'high',
     '{"hiring": {"sales_reps": 4, "bdrs": 2}, "tech_stack": ["hubspot"]}'),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000001', 'Globex Payments', 'globex.io',
     'https://globex.io', '11-50', 35, 'fintech', 'manual', 'qualified', 6, 'medium', '{}')
ON CONFLICT (id) DO NOTHING;

INSERT INTO contacts (id, company_id, offer_id, first_name, last_name, full_name, title, seniority, email, email_status,
                      linkedin_url, connection_degree, source_tool, status, already_contacted)
VALUES
    ('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001',
     'Jane', 'Doe', 'Jane Doe', 'VP Sales', 'vp', 'jane@acme-analytics.com', 'valid',
     'https://www.linkedin.com/in/jane-doe', 2, 'manual', 'ready', FALSE),
    ('00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001',
     'Omar', 'Haddad', 'Omar Haddad', 'Head of Sales', 'director', 'omar@acme-analytics.com', 'valid',
     'https://www.linkedin.com/in/omar-haddad', 1, 'manual', 'ready', FALSE),
    ('00000000-0000-4000-8000-000000000203', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000001',
     'Li', 'Wei', 'Li Wei', 'Sales Director', 'director', 'li@globex.io', 'valid',
     'https://www.linkedin.com/in/li-wei', 3, 'manual', 'contacted', TRUE)
ON CONFLICT (id) DO NOTHING;

INSERT INTO accounts (id, name, type, owner, email_address, linkedin_url, status)
VALUES
    ('00000000-0000-4000-8000-000000000301', 'mike_linkedin', 'linkedin', 'mike', NULL, 'https://www.linkedin.com/in/mike', 'active'),
    ('00000000-0000-4000-8000-000000000302', 'sales@offerlab.dev', 'email', 'mike', 'sales@offerlab.dev', NULL, 'active')
ON CONFLICT (id) DO NOTHING;

INSERT INTO campaigns (id, name, offer_id, channel, account_id, campaign_slug, status)
VALUES ('00000000-0000-4000-8000-000000000401', 'Hiring signal, LinkedIn', '00000000-0000-4000-8000-000000000001', 'linkedin',
        '00000000-0000-4000-8000-000000000301', 'cold-ai-sales-coach-linkedin-hiring-saas-mike', 'active')
ON CONFLICT (id) DO NOTHING;

INSERT INTO campaign_contacts (id, campaign_id, contact_id, status, current_step)
VALUES ('00000000-0000-4000-8000-000000000501', '00000000-0000-4000-8000-000000000401', '00000000-0000-4000-8000-000000000203', 'waiting', 1)
ON CONFLICT (id) DO NOTHING;
