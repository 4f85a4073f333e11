-- offerlab: the 16 tables of the schema document (shared/spec/schema.md), corrected so that it
-- applies to an empty PostgreSQL 15 and to PGlite. Every deviation from the document is listed
-- with its reason in docs/schema-notes.md (referenced below as [N<number>]).
--
-- Order: tables are created after everything they reference [N1].

-- Shared trigger function: keeps updated_at true on every UPDATE [N20].
CREATE OR REPLACE FUNCTION set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- 1. OFFERS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE offers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    slug TEXT UNIQUE,

    type TEXT NOT NULL CHECK (type IN ('product', 'service')),
    ownership TEXT NOT NULL CHECK (ownership IN ('internal', 'client')),
    client_name TEXT,

    description TEXT NOT NULL,
    problem_solved TEXT,
    value_proposition TEXT,
    price_range TEXT,  -- free text; the document suggests 'low', 'mid', 'high', 'enterprise'

    positioning JSONB,         -- positioning canvas (core: PositioningCanvas)
    icp JSONB,                 -- core: Icp
    email_templates JSONB,     -- core: EmailTemplates
    linkedin_templates JSONB,  -- core: LinkedInTemplates

    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (  -- [N4]
        'draft', 'ready', 'active', 'paused', 'completed', 'killed'
    )),

    -- [N5] counters are NOT NULL: NULL + 1 is NULL, and a NULL counter silently loses counts.
    total_companies INTEGER NOT NULL DEFAULT 0,
    total_contacts INTEGER NOT NULL DEFAULT 0,
    total_sent INTEGER NOT NULL DEFAULT 0,
    total_replies INTEGER NOT NULL DEFAULT 0,
    total_meetings INTEGER NOT NULL DEFAULT 0,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_offers_status ON offers(status);
CREATE INDEX idx_offers_type ON offers(type);
CREATE INDEX idx_offers_positioning_category ON offers USING GIN ((positioning -> 'category'));
CREATE INDEX idx_offers_positioning_problem ON offers USING GIN ((positioning -> 'problem'));

-- ---------------------------------------------------------------------------------------------
-- 7. ACCOUNTS (created before campaigns and messages, which reference it [N1])
-- ---------------------------------------------------------------------------------------------
CREATE TABLE accounts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,

    type TEXT NOT NULL CHECK (type IN ('linkedin', 'email')),
    owner TEXT NOT NULL,

    email_address TEXT,
    linkedin_url TEXT,

    unipile_account_id TEXT,
    provider TEXT,
    rotation_set TEXT CHECK (rotation_set IN ('odd', 'even', 'burner')),

    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN (
        'active', 'warming', 'paused', 'limited', 'disconnected', 'banned'
    )),

    -- [N5] limits and counters are NOT NULL; [N6] limits cannot be negative.
    daily_limit_connections INTEGER NOT NULL DEFAULT 20 CHECK (daily_limit_connections >= 0),
    daily_limit_messages INTEGER NOT NULL DEFAULT 40 CHECK (daily_limit_messages >= 0),
    daily_limit_emails INTEGER NOT NULL DEFAULT 100 CHECK (daily_limit_emails >= 0),
    hourly_limit INTEGER NOT NULL DEFAULT 10 CHECK (hourly_limit >= 0),

    -- [N6] 0 = not warming, 1-4 = warming weeks, as the document's comment says.
    warming_week INTEGER NOT NULL DEFAULT 0 CHECK (warming_week BETWEEN 0 AND 4),
    warming_started_at TIMESTAMPTZ,

    today_connections INTEGER NOT NULL DEFAULT 0,
    today_messages INTEGER NOT NULL DEFAULT 0,
    today_emails INTEGER NOT NULL DEFAULT 0,
    today_last_action_at TIMESTAMPTZ,

    total_sent INTEGER NOT NULL DEFAULT 0,
    total_delivered INTEGER NOT NULL DEFAULT 0,
    total_bounced INTEGER NOT NULL DEFAULT 0,
    total_replies INTEGER NOT NULL DEFAULT 0,

    -- [N6] a score, 0-100; NOT NULL so "below 30 sends nothing" cannot be dodged by a NULL.
    health_score INTEGER NOT NULL DEFAULT 100 CHECK (health_score BETWEEN 0 AND 100),
    bounce_rate DECIMAL(5,2),
    spam_rate DECIMAL(5,2),
    reply_rate DECIMAL(5,2),
    last_health_check TIMESTAMPTZ,

    connected_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_accounts_type ON accounts(type);
CREATE INDEX idx_accounts_owner ON accounts(owner);
CREATE INDEX idx_accounts_status ON accounts(status);

-- ---------------------------------------------------------------------------------------------
-- 9. TOOLS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tools (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL UNIQUE,

    type TEXT NOT NULL CHECK (type IN (
        'company_search', 'people_search', 'enrichment', 'email_finding',
        'email_verification', 'sending', 'inbox'
    )),

    api_base_url TEXT,
    api_docs_url TEXT,

    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'error')),
    last_error TEXT,
    last_success_at TIMESTAMPTZ,
    last_error_at TIMESTAMPTZ,

    total_requests INTEGER NOT NULL DEFAULT 0,
    total_credits_used INTEGER NOT NULL DEFAULT 0,
    credits_remaining INTEGER,
    credits_reset_at TIMESTAMPTZ,

    rate_limit_per_minute INTEGER,
    rate_limit_per_day INTEGER,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- [N3] The document inserts 'unipile' twice, which violates UNIQUE(name) and aborts the
-- migration. Unipile's two roles follow the parallel_companies / parallel_people naming.
INSERT INTO tools (name, type, api_docs_url) VALUES
    ('parallel_companies', 'company_search', 'https://docs.parallel.ai/'),
    ('parallel_people', 'people_search', 'https://docs.parallel.ai/'),
    ('theirstack', 'company_search', 'https://theirstack.com/docs'),
    ('exa', 'company_search', 'https://docs.exa.ai/'),
    ('sumble', 'enrichment', 'https://docs.sumble.com/'),
    ('leadmagic', 'email_finding', 'https://docs.leadmagic.io/'),
    ('firecrawl', 'enrichment', 'https://docs.firecrawl.dev/'),
    ('unipile', 'sending', 'https://docs.unipile.com/'),
    ('unipile_inbox', 'inbox', 'https://docs.unipile.com/')
ON CONFLICT (name) DO NOTHING;

-- ---------------------------------------------------------------------------------------------
-- 2. COMPANIES
-- ---------------------------------------------------------------------------------------------
CREATE TABLE companies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    offer_id UUID NOT NULL REFERENCES offers(id) ON DELETE CASCADE,

    name TEXT NOT NULL,
    domain TEXT,
    url TEXT,
    description TEXT,

    size TEXT CHECK (size IN ('1-10', '11-50', '51-200', '201-500', '501-1000', '1000+')),
    size_exact INTEGER CHECK (size_exact >= 0),
    vertical TEXT,
    industry TEXT,

    headquarters_city TEXT,
    headquarters_state TEXT,
    headquarters_country TEXT,

    signals JSONB NOT NULL DEFAULT '{}',  -- core: CompanySignals

    fit_score INTEGER CHECK (fit_score >= 1 AND fit_score <= 10),
    fit_reasoning TEXT,
    priority TEXT CHECK (priority IN ('high', 'medium', 'low')),

    source_tool TEXT NOT NULL,
    source_query TEXT,
    source_raw JSONB,

    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN (
        'new', 'qualified', 'disqualified', 'contacted', 'responded', 'meeting', 'converted', 'rejected'
    )),
    disqualification_reason TEXT,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    UNIQUE(offer_id, domain),
    -- [N8] lets contacts reference (company, offer) so a contact cannot belong to one offer
    -- while its company belongs to another.
    UNIQUE(id, offer_id)
);

CREATE INDEX idx_companies_offer ON companies(offer_id);
CREATE INDEX idx_companies_status ON companies(status);
CREATE INDEX idx_companies_source ON companies(source_tool);
CREATE INDEX idx_companies_fit_score ON companies(fit_score DESC);

-- ---------------------------------------------------------------------------------------------
-- 3. CONTACTS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE contacts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    company_id UUID NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    offer_id UUID NOT NULL REFERENCES offers(id) ON DELETE CASCADE,

    first_name TEXT,
    last_name TEXT,
    full_name TEXT,

    title TEXT,
    title_normalized TEXT,
    department TEXT,
    seniority TEXT CHECK (seniority IN ('c_level', 'vp', 'director', 'manager', 'individual')),

    email TEXT,
    -- [N9] the document's comment filed catch-all under 'invalid'; catch-all is 'risky'.
    email_status TEXT CHECK (email_status IN ('unknown', 'valid', 'invalid', 'risky', 'failed')),
    email_verification_source TEXT,
    email_verified BOOLEAN GENERATED ALWAYS AS (email_status = 'valid') STORED,
    phone TEXT,

    linkedin_url TEXT,
    linkedin_id TEXT,
    connection_degree INTEGER CHECK (connection_degree IN (1, 2, 3)),

    already_contacted BOOLEAN NOT NULL DEFAULT FALSE,
    last_contacted_at TIMESTAMPTZ,
    contact_count INTEGER NOT NULL DEFAULT 0,

    global_last_contacted_at TIMESTAMPTZ,
    global_contact_count INTEGER NOT NULL DEFAULT 0,
    global_last_reply_at TIMESTAMPTZ,
    global_status TEXT NOT NULL DEFAULT 'available' CHECK (global_status IN (
        'available', 'cooling_off', 'do_not_contact', 'replied'
    )),
    eligible_for_outreach BOOLEAN NOT NULL DEFAULT TRUE,

    buyer_fit_score INTEGER CHECK (buyer_fit_score >= 1 AND buyer_fit_score <= 10),
    priority TEXT CHECK (priority IN ('high', 'medium', 'low')),

    source_tool TEXT NOT NULL,
    source_raw JSONB,

    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN (
        'new', 'enriched', 'ready', 'skip', 'queued', 'contacted', 'replied', 'meeting',
        'converted', 'unsubscribed', 'bounced'
    )),
    skip_reason TEXT,

    notes TEXT,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    UNIQUE(offer_id, linkedin_url),
    UNIQUE(offer_id, email),
    -- [N8]
    FOREIGN KEY (company_id, offer_id) REFERENCES companies(id, offer_id) ON DELETE CASCADE
);

CREATE INDEX idx_contacts_company ON contacts(company_id);
CREATE INDEX idx_contacts_offer ON contacts(offer_id);
CREATE INDEX idx_contacts_status ON contacts(status);
CREATE INDEX idx_contacts_email ON contacts(email) WHERE email IS NOT NULL;
CREATE INDEX idx_contacts_linkedin ON contacts(linkedin_url) WHERE linkedin_url IS NOT NULL;
CREATE INDEX idx_contacts_global_status ON contacts(global_status);
CREATE INDEX idx_contacts_global_last_contacted ON contacts(global_last_contacted_at);
CREATE INDEX idx_contacts_eligible ON contacts(eligible_for_outreach) WHERE eligible_for_outreach = TRUE;

-- ---------------------------------------------------------------------------------------------
-- 4. CAMPAIGNS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE campaigns (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,

    offer_id UUID NOT NULL REFERENCES offers(id) ON DELETE CASCADE,

    channel TEXT NOT NULL CHECK (channel IN ('email', 'linkedin', 'multi')),
    campaign_type TEXT NOT NULL DEFAULT 'cold_outreach' CHECK (campaign_type IN ('networking', 'cold_outreach')),
    account_id UUID REFERENCES accounts(id),

    campaign_slug TEXT UNIQUE,
    account_ids JSONB,       -- core: AccountIds
    target_criteria JSONB,   -- core: TargetCriteria
    sequence_config JSONB,
    scheduling_config JSONB, -- core: SchedulingConfig

    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
        'draft', 'ready', 'active', 'paused', 'completed', 'cancelled'
    )),

    send_window_start TIME NOT NULL DEFAULT '09:00',
    send_window_end TIME NOT NULL DEFAULT '17:00',
    -- [N6] ISO weekdays only (1 = Monday ... 7 = Sunday), at least one.
    send_days INTEGER[] NOT NULL DEFAULT ARRAY[1,2,3,4,5]
        CHECK (cardinality(send_days) > 0 AND send_days <@ ARRAY[1,2,3,4,5,6,7]),
    timezone TEXT NOT NULL DEFAULT 'America/New_York',

    total_contacts INTEGER NOT NULL DEFAULT 0,
    contacts_sent INTEGER NOT NULL DEFAULT 0,
    contacts_remaining INTEGER NOT NULL DEFAULT 0,

    total_sent INTEGER NOT NULL DEFAULT 0,
    total_delivered INTEGER NOT NULL DEFAULT 0,
    total_opened INTEGER NOT NULL DEFAULT 0,
    total_clicked INTEGER NOT NULL DEFAULT 0,
    total_replied INTEGER NOT NULL DEFAULT 0,
    total_positive_replies INTEGER NOT NULL DEFAULT 0,
    total_meetings INTEGER NOT NULL DEFAULT 0,

    open_rate DECIMAL(5,2),
    reply_rate DECIMAL(5,2),
    positive_reply_rate DECIMAL(5,2),
    meeting_rate DECIMAL(5,2),

    first_send_at TIMESTAMPTZ,
    last_send_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_campaigns_offer ON campaigns(offer_id);
CREATE INDEX idx_campaigns_status ON campaigns(status);
CREATE INDEX idx_campaigns_account ON campaigns(account_id);
-- Kept as the document has it, although UNIQUE(campaign_slug) already indexes the column [N18].
CREATE INDEX idx_campaigns_slug ON campaigns(campaign_slug);

-- ---------------------------------------------------------------------------------------------
-- 5. CAMPAIGN_CONTACTS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE campaign_contacts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,

    current_step INTEGER NOT NULL DEFAULT 0,
    max_step INTEGER,

    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN (
        'queued', 'in_progress', 'waiting', 'paused', 'completed', 'replied', 'meeting',
        'bounced', 'unsubscribed', 'failed'
    )),

    opened BOOLEAN NOT NULL DEFAULT FALSE,
    clicked BOOLEAN NOT NULL DEFAULT FALSE,
    replied BOOLEAN NOT NULL DEFAULT FALSE,
    reply_sentiment TEXT CHECK (reply_sentiment IN ('positive', 'negative', 'neutral', 'question', 'ooo')),
    meeting_booked BOOLEAN NOT NULL DEFAULT FALSE,

    added_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    started_at TIMESTAMPTZ,
    next_step_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,

    UNIQUE(campaign_id, contact_id)
);

CREATE INDEX idx_campaign_contacts_campaign ON campaign_contacts(campaign_id);
CREATE INDEX idx_campaign_contacts_contact ON campaign_contacts(contact_id);
CREATE INDEX idx_campaign_contacts_status ON campaign_contacts(status);
CREATE INDEX idx_campaign_contacts_next_step ON campaign_contacts(next_step_at)
    WHERE status IN ('queued', 'in_progress', 'waiting');

-- ---------------------------------------------------------------------------------------------
-- MESSAGE_TEMPLATES
-- ---------------------------------------------------------------------------------------------
CREATE TABLE message_templates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    offer_id UUID NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
    campaign_id UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'linkedin_connect', 'linkedin_dm', 'linkedin_inmail')),
    sequence_step INTEGER,
    template_key TEXT,
    subject TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'archived')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- ---------------------------------------------------------------------------------------------
-- SEND_QUEUE (created before messages, which references it [N1])
-- ---------------------------------------------------------------------------------------------
CREATE TABLE send_queue (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    -- [N10] cascade with the campaign contact, like every other child of a campaign.
    campaign_contact_id UUID REFERENCES campaign_contacts(id) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    account_id UUID REFERENCES accounts(id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'linkedin_connect', 'linkedin_dm', 'linkedin_inmail')),
    sequence_step INTEGER,
    subject TEXT,
    body TEXT NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    priority INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN (
        'pending', 'scheduled', 'processing', 'sent', 'delivered',
        'failed', 'bounced', 'cancelled', 'skipped'
    )),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    last_attempt_at TIMESTAMPTZ,
    last_error TEXT,
    external_message_id TEXT,
    sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- [N11] the document gives send_queue no index; the cron's due-row scan and the per-contact
-- lookups of the views need these.
CREATE INDEX idx_send_queue_due ON send_queue(scheduled_for) WHERE status IN ('pending', 'scheduled');
CREATE INDEX idx_send_queue_contact ON send_queue(contact_id);
CREATE INDEX idx_send_queue_campaign ON send_queue(campaign_id);
CREATE INDEX idx_send_queue_campaign_contact ON send_queue(campaign_contact_id);
CREATE INDEX idx_send_queue_account ON send_queue(account_id);

-- ---------------------------------------------------------------------------------------------
-- 6. MESSAGES
-- ---------------------------------------------------------------------------------------------
CREATE TABLE messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    campaign_contact_id UUID NOT NULL REFERENCES campaign_contacts(id) ON DELETE CASCADE,
    campaign_id UUID REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts(id),
    send_queue_id UUID REFERENCES send_queue(id) ON DELETE SET NULL,

    channel TEXT NOT NULL CHECK (channel IN ('email', 'linkedin_connect', 'linkedin_dm', 'linkedin_inmail')),
    action_type TEXT CHECK (action_type IN ('connection_request', 'message', 'email', 'inmail')),
    sequence_step INTEGER NOT NULL,

    subject TEXT,
    body TEXT NOT NULL,
    personalization_used JSONB,

    external_id TEXT,
    thread_id TEXT,

    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN (
        'pending', 'queued', 'sending', 'sent', 'delivered', 'opened', 'clicked', 'replied',
        'bounced', 'failed'
    )),
    error_message TEXT,

    opened_at TIMESTAMPTZ,
    clicked_at TIMESTAMPTZ,
    replied_at TIMESTAMPTZ,

    reply_text TEXT,
    reply_sentiment TEXT CHECK (reply_sentiment IN ('positive', 'negative', 'neutral', 'question', 'ooo')),

    scheduled_at TIMESTAMPTZ,
    sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_messages_campaign_contact ON messages(campaign_contact_id);
CREATE INDEX idx_messages_campaign ON messages(campaign_id);
CREATE INDEX idx_messages_contact ON messages(contact_id);
CREATE INDEX idx_messages_account ON messages(account_id);
CREATE INDEX idx_messages_send_queue ON messages(send_queue_id);
CREATE INDEX idx_messages_status ON messages(status);
CREATE INDEX idx_messages_scheduled ON messages(scheduled_at) WHERE status = 'pending';

-- ---------------------------------------------------------------------------------------------
-- 8. ACCOUNT_ACTIVITY
-- ---------------------------------------------------------------------------------------------
CREATE TABLE account_activity (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    account_id UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- [N10] the activity log outlives the message and contact it mentions.
    message_id UUID REFERENCES messages(id) ON DELETE SET NULL,
    contact_id UUID REFERENCES contacts(id) ON DELETE SET NULL,

    action_type TEXT NOT NULL CHECK (action_type IN (
        'connection_request', 'message', 'email', 'inmail', 'profile_view'
    )),

    status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'rate_limited')),
    error_message TEXT,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_activity_account_date ON account_activity(account_id, created_at);
-- [N2] The document's predicate `WHERE created_at >= CURRENT_DATE` is rejected by PostgreSQL
-- (index predicates must be immutable). The full index serves the same per-day range queries.
CREATE INDEX idx_activity_daily ON account_activity(account_id, action_type, created_at);

-- ---------------------------------------------------------------------------------------------
-- 10. TOOL_USAGE
-- ---------------------------------------------------------------------------------------------
CREATE TABLE tool_usage (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    tool_id UUID NOT NULL REFERENCES tools(id),
    -- [N10] the cost log outlives the offer, company and contact it mentions.
    offer_id UUID REFERENCES offers(id) ON DELETE SET NULL,
    company_id UUID REFERENCES companies(id) ON DELETE SET NULL,
    contact_id UUID REFERENCES contacts(id) ON DELETE SET NULL,

    action TEXT NOT NULL,
    request_params JSONB,

    status TEXT NOT NULL CHECK (status IN ('success', 'error', 'rate_limited')),
    response_summary JSONB,
    results_count INTEGER,
    error_message TEXT,

    credits_used INTEGER NOT NULL DEFAULT 0,

    duration_ms INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_tool_usage_tool ON tool_usage(tool_id);
CREATE INDEX idx_tool_usage_date ON tool_usage(created_at);

-- ---------------------------------------------------------------------------------------------
-- MESSAGE_EVENTS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE message_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    send_queue_id UUID NOT NULL REFERENCES send_queue(id) ON DELETE CASCADE,
    -- [N10] events go with their contact and campaign.
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    campaign_id UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    account_id UUID REFERENCES accounts(id),
    event_type TEXT NOT NULL CHECK (event_type IN (
        'queued', 'scheduled', 'sent', 'delivered', 'opened', 'clicked',
        'replied', 'bounced', 'spam', 'unsubscribed', 'failed', 'skipped'
    )),
    event_data JSONB NOT NULL DEFAULT '{}',
    reply_text TEXT,
    reply_sentiment TEXT CHECK (reply_sentiment IN ('positive', 'negative', 'neutral', 'question', 'ooo')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- [N11]
CREATE INDEX idx_message_events_send_queue ON message_events(send_queue_id);
CREATE INDEX idx_message_events_contact ON message_events(contact_id);
CREATE INDEX idx_message_events_campaign ON message_events(campaign_id, event_type);

-- ---------------------------------------------------------------------------------------------
-- OUTREACH_HISTORY (the global 60-day rule)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE outreach_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    contact_email TEXT,
    contact_linkedin_url TEXT,
    -- [N10] history must survive the deletion of a contact, campaign, offer or account: the
    -- 60-day rule reads it by email / LinkedIn URL, which are copied into the row.
    contact_id UUID REFERENCES contacts(id) ON DELETE SET NULL,
    campaign_id UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    offer_id UUID REFERENCES offers(id) ON DELETE SET NULL,
    account_id UUID REFERENCES accounts(id) ON DELETE SET NULL,
    send_queue_id UUID REFERENCES send_queue(id) ON DELETE SET NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'linkedin_connect', 'linkedin_dm', 'linkedin_inmail')),
    message_subject TEXT,
    message_body TEXT,
    sent_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    status TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'bounced', 'replied', 'spam', 'failed')),
    replied_at TIMESTAMPTZ,
    -- [N12] same vocabulary as every other reply_sentiment column.
    reply_sentiment TEXT CHECK (reply_sentiment IN ('positive', 'negative', 'neutral', 'question', 'ooo')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- [N11] the 60-day rule looks people up by email and LinkedIn URL, most recent first.
CREATE INDEX idx_outreach_history_email ON outreach_history(contact_email, sent_at DESC) WHERE contact_email IS NOT NULL;
CREATE INDEX idx_outreach_history_linkedin ON outreach_history(contact_linkedin_url, sent_at DESC) WHERE contact_linkedin_url IS NOT NULL;
CREATE INDEX idx_outreach_history_contact ON outreach_history(contact_id);
CREATE INDEX idx_outreach_history_sent_at ON outreach_history(sent_at);

-- ---------------------------------------------------------------------------------------------
-- PIPELINE_RUNS / PIPELINE_STEPS
-- ---------------------------------------------------------------------------------------------
CREATE TABLE pipeline_runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- [N10] a run's record (and what it spent) outlives the offer or campaign.
    offer_id UUID REFERENCES offers(id) ON DELETE SET NULL,
    campaign_id UUID REFERENCES campaigns(id) ON DELETE SET NULL,
    steps JSONB NOT NULL,
    input_params JSONB NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    error_message TEXT,
    output_summary JSONB NOT NULL DEFAULT '{}',
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at TIMESTAMPTZ
);

CREATE TABLE pipeline_steps (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_run_id UUID NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
    step_name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped')),
    step_output JSONB NOT NULL DEFAULT '{}',
    error_message TEXT,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ
);

CREATE INDEX idx_pipeline_runs_offer ON pipeline_runs(offer_id);
CREATE INDEX idx_pipeline_steps_run ON pipeline_steps(pipeline_run_id);

-- ---------------------------------------------------------------------------------------------
-- updated_at triggers [N20]
-- ---------------------------------------------------------------------------------------------
CREATE TRIGGER trg_offers_updated_at BEFORE UPDATE ON offers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_accounts_updated_at BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_tools_updated_at BEFORE UPDATE ON tools FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_companies_updated_at BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_contacts_updated_at BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_campaigns_updated_at BEFORE UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_message_templates_updated_at BEFORE UPDATE ON message_templates FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_send_queue_updated_at BEFORE UPDATE ON send_queue FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Row Level Security on every table, no policies [N21]: the service role and the table owner
-- bypass RLS; an anon or authenticated key reads and writes nothing.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE tools ENABLE ROW LEVEL SECURITY;
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE send_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE tool_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outreach_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipeline_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipeline_steps ENABLE ROW LEVEL SECURITY;
