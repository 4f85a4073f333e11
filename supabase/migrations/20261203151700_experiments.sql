-- offerlab: offer experiments (docs/schema-notes.md, "Later migrations", X1–X4; issue 17).
-- Nothing here changes a column the schema document defines. The statistics live in
-- @offerlab/experiments; these tables hold what an experiment is, its arms, and which arm each
-- enrolled contact was given with the probabilities used (the report corrects for adaptive
-- allocation with them).

-- X1. An experiment: a hypothesis tested by comparing arms on one primary metric, counted over
-- contacts whose maturity window (days after the first touch) has passed. The plan (matured
-- contacts per arm before any winner can be named) is fixed when it starts: the verdict's
-- guarantee depends on it. offer_id NULL: a cross-offer experiment (kind 'offers').
CREATE TABLE experiments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    hypothesis TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('offers', 'signal_stacks', 'icp_segments', 'copy_variants')),
    offer_id UUID REFERENCES offers(id) ON DELETE CASCADE,
    -- copy_variants: the step whose copy varies
    sequence_step INTEGER CHECK (sequence_step IS NULL OR sequence_step >= 1),
    primary_metric TEXT NOT NULL DEFAULT 'positive_reply' CHECK (primary_metric IN ('positive_reply', 'reply', 'meeting')),
    maturity_days INTEGER NOT NULL DEFAULT 14 CHECK (maturity_days BETWEEN 1 AND 180),
    planned_matured_per_arm INTEGER NOT NULL CHECK (planned_matured_per_arm >= 1),
    budget_matured_per_arm INTEGER CHECK (budget_matured_per_arm IS NULL OR budget_matured_per_arm >= planned_matured_per_arm),
    false_winner_rate NUMERIC(6,4) NOT NULL DEFAULT 0.05 CHECK (false_winner_rate > 0 AND false_winner_rate <= 0.2),
    min_matured_per_arm INTEGER NOT NULL DEFAULT 100 CHECK (min_matured_per_arm >= 0),
    max_expected_loss_points NUMERIC(8,4) NOT NULL DEFAULT 0.5 CHECK (max_expected_loss_points > 0),
    allocation_floor NUMERIC(6,4) NOT NULL DEFAULT 0.1 CHECK (allocation_floor >= 0 AND allocation_floor < 0.5),
    min_matured_for_adaptive INTEGER NOT NULL DEFAULT 50 CHECK (min_matured_for_adaptive >= 1),
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'stopped')),
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    stopped_at TIMESTAMPTZ,
    stop_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT experiments_offer_unless_cross_offer CHECK (offer_id IS NOT NULL OR kind = 'offers'),
    CONSTRAINT experiments_step_for_copy CHECK ((sequence_step IS NOT NULL) = (kind = 'copy_variants')),
    CONSTRAINT experiments_stopped_at CHECK ((stopped_at IS NOT NULL) = (status = 'stopped'))
);

CREATE INDEX idx_experiments_offer ON experiments(offer_id, status);

-- X2. The arms: each names exactly one thing it varies (an offer, a signal stack, an ICP segment
-- or a copy variant, i.e. a message_templates row), and at most one arm is the control.
CREATE TABLE experiment_arms (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    experiment_id UUID NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    arm_key TEXT NOT NULL CHECK (arm_key ~ '^[a-z0-9][a-z0-9_-]*$'),
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    is_control BOOLEAN NOT NULL DEFAULT FALSE,
    offer_id UUID REFERENCES offers(id) ON DELETE CASCADE,
    signal_stack TEXT,
    icp_segment TEXT,
    -- Deferred: deleting the offer cascades to its templates and its experiments in one statement;
    -- the check runs at commit, once both are gone. A template deleted on its own is refused.
    template_id UUID REFERENCES message_templates(id) DEFERRABLE INITIALLY DEFERRED,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (experiment_id, arm_key),
    UNIQUE (experiment_id, position),
    CONSTRAINT experiment_arms_one_reference CHECK (num_nonnulls(offer_id, signal_stack, icp_segment, template_id) = 1)
);

CREATE UNIQUE INDEX idx_experiment_arms_one_control ON experiment_arms(experiment_id) WHERE is_control;

-- X3. Which arm each contact was given, once per experiment, with the probability of that arm
-- and of every arm at the time (balanced: 1/k; thompson: the batch's; observed: 1, the arm is the
-- audience the contact came from), and the stratum (sender account + ICP segment) it was
-- balanced within.
CREATE TABLE experiment_assignments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    experiment_id UUID NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    arm_id UUID NOT NULL REFERENCES experiment_arms(id) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    campaign_contact_id UUID REFERENCES campaign_contacts(id) ON DELETE CASCADE,
    probability NUMERIC(8,6) NOT NULL CHECK (probability > 0 AND probability <= 1),
    probabilities JSONB NOT NULL,
    stratum TEXT NOT NULL,
    policy TEXT NOT NULL CHECK (policy IN ('balanced', 'thompson', 'observed')),
    assigned_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (experiment_id, contact_id)
);

CREATE INDEX idx_experiment_assignments_arm ON experiment_assignments(arm_id);
CREATE INDEX idx_experiment_assignments_campaign_contact ON experiment_assignments(campaign_contact_id);
CREATE INDEX idx_experiment_assignments_stratum ON experiment_assignments(experiment_id, stratum);

-- X4. Copy variants are stored with the templates: a step may have several approved
-- message_templates rows, each its own variant with a label (A, B, …), linted and approved one
-- by one. NULL: the step's only copy, as before. The planner sends the variant a contact's
-- assignment names; without an assignment it picks as it always has.
ALTER TABLE message_templates ADD COLUMN variant TEXT CHECK (variant IS NULL OR variant ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$');
CREATE UNIQUE INDEX idx_message_templates_variant
    ON message_templates(offer_id, channel, COALESCE(sequence_step, 0), variant)
    WHERE variant IS NOT NULL AND status <> 'archived' AND campaign_id IS NULL;

ALTER TABLE experiments ENABLE ROW LEVEL SECURITY;
ALTER TABLE experiment_arms ENABLE ROW LEVEL SECURITY;
ALTER TABLE experiment_assignments ENABLE ROW LEVEL SECURITY;
