-- offerlab: the 4 functions of the schema document, corrected (see docs/schema-notes.md).
-- Each pins its search_path [N23] so that a caller's search_path cannot redirect the tables it
-- touches (Supabase's linter flags functions without one).

-- Reset daily counters (run by the cron at midnight).
CREATE OR REPLACE FUNCTION reset_daily_counters()
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE accounts
    SET
        today_connections = 0,
        today_messages = 0,
        today_emails = 0,
        updated_at = NOW();
END;
$$;

-- Check if an account can send one more action of a type [N24]: an unknown account is refused
-- (the document returned TRUE: every check compared against NULL), the health floor of 30
-- applies, 'inmail' counts against the message limit, and an unknown action type is an error
-- rather than a silent TRUE.
CREATE OR REPLACE FUNCTION can_account_send(
    p_account_id UUID,
    p_action_type TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    v_account accounts%ROWTYPE;
BEGIN
    IF p_action_type IS NULL OR p_action_type NOT IN ('connection_request', 'message', 'email', 'inmail') THEN
        RAISE EXCEPTION 'can_account_send: unknown action type %, expected connection_request, message, email or inmail', p_action_type
            USING ERRCODE = '22023';
    END IF;

    SELECT * INTO v_account FROM accounts WHERE id = p_account_id;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;

    IF v_account.status <> 'active' THEN
        RETURN FALSE;
    END IF;

    IF v_account.health_score < 30 THEN
        RETURN FALSE;
    END IF;

    IF p_action_type = 'connection_request'
       AND v_account.today_connections >= v_account.daily_limit_connections THEN
        RETURN FALSE;
    END IF;

    IF p_action_type IN ('message', 'inmail')
       AND v_account.today_messages >= v_account.daily_limit_messages THEN
        RETURN FALSE;
    END IF;

    IF p_action_type = 'email'
       AND v_account.today_emails >= v_account.daily_limit_emails THEN
        RETURN FALSE;
    END IF;

    RETURN TRUE;
END;
$$;

-- Increment an account's counter [N24]: 'inmail' counts as a message, an unknown action type is
-- an error (the document counted it in total_sent only).
CREATE OR REPLACE FUNCTION increment_account_counter(
    p_account_id UUID,
    p_action_type TEXT
) RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF p_action_type IS NULL OR p_action_type NOT IN ('connection_request', 'message', 'email', 'inmail') THEN
        RAISE EXCEPTION 'increment_account_counter: unknown action type %, expected connection_request, message, email or inmail', p_action_type
            USING ERRCODE = '22023';
    END IF;

    UPDATE accounts
    SET
        today_connections = CASE WHEN p_action_type = 'connection_request'
                                 THEN today_connections + 1 ELSE today_connections END,
        today_messages = CASE WHEN p_action_type IN ('message', 'inmail')
                              THEN today_messages + 1 ELSE today_messages END,
        today_emails = CASE WHEN p_action_type = 'email'
                            THEN today_emails + 1 ELSE today_emails END,
        today_last_action_at = NOW(),
        total_sent = total_sent + 1,
        updated_at = NOW()
    WHERE id = p_account_id;
END;
$$;

-- Update campaign metrics [N25]: as the document has it, plus total_positive_replies and the
-- stored positive_reply_rate / meeting_rate, which nothing else kept up to date.
CREATE OR REPLACE FUNCTION update_campaign_metrics(p_campaign_id UUID)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE campaigns c
    SET
        total_contacts = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id),
        contacts_sent = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND status != 'queued'),
        contacts_remaining = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND status IN ('queued', 'waiting')),
        total_sent = (SELECT COUNT(*) FROM messages m JOIN campaign_contacts cc ON m.campaign_contact_id = cc.id WHERE cc.campaign_id = p_campaign_id AND m.status = 'sent'),
        total_replied = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND replied = TRUE),
        total_positive_replies = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND replied = TRUE AND reply_sentiment = 'positive'),
        total_meetings = (SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND meeting_booked = TRUE),
        reply_rate = ROUND((SELECT COUNT(*)::decimal FROM campaign_contacts WHERE campaign_id = p_campaign_id AND replied = TRUE) /
                          NULLIF((SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND status NOT IN ('queued')), 0) * 100, 2),
        positive_reply_rate = ROUND((SELECT COUNT(*)::decimal FROM campaign_contacts WHERE campaign_id = p_campaign_id AND replied = TRUE AND reply_sentiment = 'positive') /
                          NULLIF((SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND replied = TRUE), 0) * 100, 2),
        meeting_rate = ROUND((SELECT COUNT(*)::decimal FROM campaign_contacts WHERE campaign_id = p_campaign_id AND meeting_booked = TRUE) /
                          NULLIF((SELECT COUNT(*) FROM campaign_contacts WHERE campaign_id = p_campaign_id AND status NOT IN ('queued')), 0) * 100, 2),
        updated_at = NOW()
    WHERE id = p_campaign_id;
END;
$$;
