-- A1. One real account, one set of limits. Two rows with the same Unipile account id (or two email
-- accounts with the same mailbox) would give one real LinkedIn account or mailbox two daily
-- budgets: the send path limits each row, not the account behind it.
--
-- Rows that already break the rule are merged before the indexes are built: the oldest row of each
-- group keeps the provider id and the address; the later ones are paused (so their queued sends
-- wait instead of failing), lose the id or address, and say whose duplicate they are in their name.
WITH ranked AS (
    SELECT id, unipile_account_id,
           first_value(name) OVER w AS keeper,
           row_number() OVER w AS n
    FROM accounts
    WHERE unipile_account_id IS NOT NULL
    WINDOW w AS (PARTITION BY unipile_account_id ORDER BY created_at, id)
)
UPDATE accounts a
   SET unipile_account_id = NULL,
       status = 'paused',
       name = a.name || ' (duplicate of ' || r.keeper || ', paused)'
  FROM ranked r
 WHERE a.id = r.id AND r.n > 1;

WITH ranked AS (
    SELECT id,
           first_value(name) OVER w AS keeper,
           row_number() OVER w AS n
    FROM accounts
    WHERE type = 'email' AND email_address IS NOT NULL
    WINDOW w AS (PARTITION BY lower(email_address) ORDER BY created_at, id)
)
UPDATE accounts a
   SET email_address = NULL,
       unipile_account_id = NULL,
       status = 'paused',
       name = a.name || ' (duplicate of ' || r.keeper || ', paused)'
  FROM ranked r
 WHERE a.id = r.id AND r.n > 1;

CREATE UNIQUE INDEX accounts_unipile_account_id_key ON accounts (unipile_account_id) WHERE unipile_account_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_email_mailbox_key ON accounts (lower(email_address)) WHERE type = 'email' AND email_address IS NOT NULL;
