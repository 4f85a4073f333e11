/**
 * The account aggregate: the only module that writes `accounts` (a test greps packages and apps for
 * any other writer): adding an account, status by the lifecycle, limits, warming and sync from the
 * provider (`accountAdmin`), and the transitions the scheduler's runtime names (`accounts`): the
 * send path's pacing slot, cap marks, counters and cooldowns, the event handlers' reply and bounce books and
 * provider status, and the cron's health, today counters and warming weeks.
 *
 * Rules live in `@offerlab/core` (lifecycles); these functions read and write, and validate input
 * before writing anything (a ValidationError names each wrong field).
 */
import {
  AccountInsert,
  ValidationError,
  normalizeEmail,
  parseOrThrow,
  statusChangeProblem,
  type AccountStatus,
  type FieldIssue,
  type MessageActionType,
} from "@offerlab/core";
import { sql, type Expression, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../database.generated.js";
import { resolve } from "../repositories.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";

export type Account = Selectable<Database["accounts"]>;

/**
 * A limit the send path found reached, and until when: `'*'` the hourly limit (every action), else
 * the daily limit of one counter of `account_usage` (InMails count as `message`).
 */
export interface CapMark {
  counter: "connection_request" | "message" | "email" | "*";
  until: Date;
}

/** The `accounts` column that holds each counter's cap mark (migration 20261205000100). */
const CAP_MARK_COLUMN = {
  "*": "hourly_capped_until",
  connection_request: "connections_capped_until",
  message: "messages_capped_until",
  email: "emails_capped_until",
} as const satisfies Record<CapMark["counter"], keyof Database["accounts"]>;

export function capMarkColumn(counter: CapMark["counter"]): (typeof CAP_MARK_COLUMN)[CapMark["counter"]] {
  return CAP_MARK_COLUMN[counter];
}

/** Every cap mark column: cleared together when the limits that set them change. */
export const CAP_MARK_COLUMNS = Object.values(CAP_MARK_COLUMN);

/** The update that clears every cap mark (a change of limits or warming makes them stale). */
const NO_CAP_MARKS = {
  hourly_capped_until: null,
  connections_capped_until: null,
  messages_capped_until: null,
  emails_capped_until: null,
} as const satisfies Record<(typeof CAP_MARK_COLUMNS)[number], null>;

const DAY_MS = 86_400_000;

export const accounts = {
  /**
   * Adds a sending account. One real account has one set of limits: a second account with the
   * same Unipile account id, or a second email account with the same mailbox, is refused (a
   * ValidationError naming the account that has it), also when two adds race (unique indexes).
   */
  async create(db: DbOrTrx, input: unknown): Promise<Account> {
    const data = parseOrThrow(AccountInsert, input, "account");
    if (data.type === "email" && !data.email_address) {
      throw new ValidationError("account", [{ field: "email_address", message: "is required for an email account" }]);
    }
    if (data.email_address) {
      const email = normalizeEmail(data.email_address);
      if (!email) throw new ValidationError("account", [{ field: "email_address", message: "is not an email address" }]);
      data.email_address = email;
    }
    if (data.unipile_account_id !== undefined && data.unipile_account_id !== null) {
      data.unipile_account_id = data.unipile_account_id.trim();
      if (!data.unipile_account_id) data.unipile_account_id = null;
    }
    const taken = await sameRealAccount(db, data);
    if (taken) throw taken;
    try {
      return await db
        .insertInto("accounts")
        .values(data as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      // Two adds raced past the check above: the unique index decided; say it the same way (inside
      // a caller's transaction, which the violation aborted, without the other account's name).
      if ((error as { code?: string }).code !== "23505") throw error;
      const named = await sameRealAccount(db, data).catch(() => null);
      throw (
        named ??
        new ValidationError("account", [
          {
            field: "unipile_account_id",
            message: "another account has the same Unipile account id or mailbox: one real account has one set of limits",
          },
        ])
      );
    }
  },

  list(db: DbOrTrx, filter: { type?: "linkedin" | "email" } = {}): Promise<Account[]> {
    let q = db.selectFrom("accounts").selectAll().orderBy("name");
    if (filter.type) q = q.where("type", "=", filter.type);
    return q.execute();
  },

  get(db: DbOrTrx, id: string): Promise<Account | undefined> {
    return db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
  },

  // -------------------------------------------------------------------------------------------
  // The runtime's transitions (send path, event handlers, cron books). Each takes the time it
  // writes; the caller holds the account's lock where the send path's lock order needs it.

  /** A cooldown that has ended gives the account back (`limited` → `active`) before anything reads its status. */
  async endCooldownIfOver(db: DbOrTrx, accountId: string, now: Date): Promise<void> {
    await db
      .updateTable("accounts")
      .set({ status: "active", limited_until: null })
      .where("id", "=", accountId)
      .where("status", "=", "limited")
      .where("limited_until", "<=", now)
      .execute();
  },

  /**
   * The send path's claim (issue 19: one statement): locks the account without waiting, only when
   * it is not resting (`next_send_at` past), ends a cooldown that is over (before anything reads
   * its status), and returns the row as it is then. Undefined when another transaction holds the
   * account or it rests: the caller claims something else.
   */
  async lockForSend(db: DbOrTrx, accountId: string, now: Date): Promise<Account | undefined> {
    const got = await sql<Account>`
      WITH src AS (SELECT ${accountId}::uuid AS account_id), ${accounts.lockForSendCtes("src", now)}
      SELECT * FROM account`.execute(db);
    return got.rows[0];
  },

  /**
   * `lockForSend` as CTEs of a larger statement (the send path's claim picks its queue row in the
   * CTE `source`, whose `account_id` names the account, and locks the account in the same
   * statement): `locked` (the account, without waiting, unless it rests), `ended` (a cooldown that
   * is over ends) and `account` (the account's row as it is then; none when another transaction
   * holds it or it rests). Write them after `source`'s definition. `source` may name several
   * accounts (the batch claim), at most one row per account: each is locked, ended and returned
   * on its own.
   */
  lockForSendCtes(source: string, now: Date) {
    return sql`locked AS (
        SELECT a.* FROM accounts a JOIN ${sql.table(source)} src ON a.id = src.account_id
        WHERE a.next_send_at IS NULL OR a.next_send_at <= ${now}::timestamptz
        FOR NO KEY UPDATE OF a SKIP LOCKED),
      ended AS (
        UPDATE accounts SET status = 'active', limited_until = NULL FROM locked
        WHERE accounts.id = locked.id AND accounts.status = 'limited' AND accounts.limited_until <= ${now}::timestamptz
        RETURNING accounts.*),
      account AS (SELECT * FROM ended UNION ALL SELECT * FROM locked WHERE NOT EXISTS (SELECT 1 FROM ended WHERE ended.id = locked.id))`;
  },

  /**
   * `takeSendSlot` as a fragment (`UPDATE … RETURNING id`), for a statement that goes on only when
   * the slot was taken (the send path's `reserveAndOpen`, one CTE of it).
   */
  sendSlotUpdate(accountId: string, slot: { now: Date; nextAt: Date }) {
    return sql`UPDATE accounts SET next_send_at = ${slot.nextAt}::timestamptz
      WHERE id = ${accountId}::uuid AND (next_send_at IS NULL OR next_send_at <= ${slot.now}::timestamptz)
      RETURNING id`;
  },

  /**
   * Pacing: takes the account's next send slot with one guarded update (only when the slot is free
   * at `now`), moving it to `nextAt`. False when another send holds it.
   */
  async takeSendSlot(db: DbOrTrx, accountId: string, slot: { now: Date; nextAt: Date }): Promise<boolean> {
    const paced = await db
      .updateTable("accounts")
      .set({ next_send_at: slot.nextAt })
      .where("id", "=", accountId)
      .where((eb) => eb.or([eb("next_send_at", "is", null), eb("next_send_at", "<=", slot.now)]))
      .returning("id")
      .executeTakeFirst();
    return Boolean(paced);
  },

  /**
   * Gives back a slot `takeSendSlot` took and the send did not use: the next send may come as soon
   * as before. With `capped`, the same update records that the account is at a limit until then
   * (`markCapped`): the send path's reservation refused for that limit.
   */
  async restoreSendSlot(db: DbOrTrx, accountId: string, previous: Date | null, capped?: CapMark): Promise<void> {
    await db
      .updateTable("accounts")
      .set({ next_send_at: previous, ...(capped ? { [capMarkColumn(capped.counter)]: capped.until } : {}) })
      .where("id", "=", accountId)
      .execute();
  },

  /**
   * The account is at its hourly limit (`counter` '*', every action) or at its daily limit for one
   * counter until `capped.until` (issue 19): the claim skips its due rows of that action until
   * then instead of claiming them only to defer them. A hint, never the authority: the guarded
   * reservation still refuses any send over a limit, and a change of limits or warming clears it.
   */
  async markCapped(db: DbOrTrx, accountId: string, capped: CapMark): Promise<void> {
    await db
      .updateTable("accounts")
      .set({ [capMarkColumn(capped.counter)]: capped.until })
      .where("id", "=", accountId)
      .execute();
  },

  /**
   * Clears the account's cap marks, as a statement to run as a CTE where quota is given back (db's
   * callers hold the account's lock then): capacity freed today must not wait for a mark to lapse.
   * Touches the row only when it has a mark.
   */
  clearCapMarksUpdate(accountId: string) {
    return sql`UPDATE accounts SET ${sql.join(CAP_MARK_COLUMNS.map((c) => sql`${sql.ref(c)} = NULL`))}
      WHERE id = ${accountId}::uuid AND (${sql.join(
        CAP_MARK_COLUMNS.map((c) => sql`${sql.ref(c)} IS NOT NULL`),
        sql` OR `,
      )})`;
  },

  /**
   * A send recorded: the document's today_* counters (restarting at the first send of a new UTC
   * day; the limits themselves are enforced on account_usage), total_sent, and total_delivered
   * until a bounce says otherwise (`countBounce` takes it back).
   */
  async countSent(db: DbOrTrx, accountId: string, send: { action: MessageActionType; at: Date }): Promise<void> {
    await accounts.countSentQuery(db, accountId, send).execute();
  },

  /**
   * `countSent`'s update, unexecuted: for a CTE of a larger statement (the send path's record),
   * where `accountId` may be an expression (the fenced attempt's account) and `gate` a condition
   * the update waits for (the fence: nothing moves when it did not pass).
   */
  countSentQuery(
    db: Pick<DbOrTrx, "updateTable">,
    accountId: string | Expression<string>,
    send: { action: MessageActionType; at: Date },
    gate?: Expression<SqlBool>,
  ) {
    const counter = send.action === "inmail" ? "message" : send.action;
    const sameDay = sql<boolean>`(today_last_action_at IS NOT NULL AND date_trunc('day', today_last_action_at AT TIME ZONE 'UTC') = date_trunc('day', ${send.at}::timestamptz AT TIME ZONE 'UTC'))`;
    const bump = (col: "today_connections" | "today_messages" | "today_emails", mine: boolean) =>
      mine
        ? sql<number>`CASE WHEN ${sameDay} THEN ${sql.ref(col)} + 1 ELSE 1 END`
        : sql<number>`CASE WHEN ${sameDay} THEN ${sql.ref(col)} ELSE 0 END`;
    const update = db
      .updateTable("accounts")
      .set({
        today_connections: bump("today_connections", counter === "connection_request"),
        today_messages: bump("today_messages", counter === "message"),
        today_emails: bump("today_emails", counter === "email"),
        today_last_action_at: send.at,
        total_sent: sql<number>`total_sent + 1`,
        total_delivered: sql<number>`total_delivered + 1`,
      })
      .where("id", "=", accountId);
    return gate ? update.where(gate) : update;
  },

  /** A rate-limit refusal: the account rests (`limited`) until `until`; a paused or disconnected account stays as it is. */
  async coolDown(db: DbOrTrx, accountId: string, until: Date): Promise<void> {
    await db
      .updateTable("accounts")
      .set({ status: "limited", limited_until: until })
      .where("id", "=", accountId)
      .where("status", "in", ["active", "limited"])
      .execute();
  },

  /** The provider refused because the account is not connected any more. */
  async markDisconnected(db: DbOrTrx, accountId: string): Promise<void> {
    await db.updateTable("accounts").set({ status: "disconnected" }).where("id", "=", accountId).execute();
  },

  /** The first reply to a message this account sent. */
  async countReply(db: DbOrTrx, accountId: string): Promise<void> {
    await db
      .updateTable("accounts")
      .set({ total_replies: sql<number>`total_replies + 1` })
      .where("id", "=", accountId)
      .execute();
  },

  /**
   * A bounce of a message this account sent: counted, taken off the delivered total when it had
   * been counted sent, the window's bounce rate stored, and with `pause` an active account paused.
   * Returns the account's status after it (undefined for an unknown account).
   */
  async countBounce(
    db: DbOrTrx,
    accountId: string,
    bounce: { wasSent: boolean; bounceRate: number | null; pause: boolean },
  ): Promise<AccountStatus | undefined> {
    const acct = await db
      .updateTable("accounts")
      .set({
        total_bounced: sql<number>`total_bounced + 1`,
        ...(bounce.wasSent ? { total_delivered: sql<number>`GREATEST(total_delivered - 1, 0)` } : {}),
        bounce_rate: bounce.bounceRate,
        ...(bounce.pause ? { status: sql<AccountStatus>`CASE WHEN status = 'active' THEN 'paused' ELSE status END` } : {}),
      })
      .where("id", "=", accountId)
      .returning(["status", "type"])
      .executeTakeFirst();
    return acct?.status;
  },

  /**
   * The provider's word on an account (by its provider account id). "OK" (`active`) ends only a
   * provider-side problem (`disconnected`, `banned`); a pause of ours (bounces, a human) and a
   * rate-limit cooldown stay as they are. Returns the ids of the accounts it changed.
   */
  async applyProviderStatus(db: DbOrTrx, providerAccountId: string, status: AccountStatus): Promise<string[]> {
    const rows = await db
      .updateTable("accounts")
      .set({ status })
      .where("unipile_account_id", "=", providerAccountId)
      .where("status", status === "active" ? "in" : "not in", status === "active" ? ["disconnected", "banned"] : [status])
      .returning("id")
      .execute();
    return rows.map((r) => r.id);
  },

  /** The cron's health figures of one account at `at`, and with `pause` the account paused (auto-pause on bounces). */
  async recordHealth(
    db: DbOrTrx,
    accountId: string,
    health: { bounceRate: number | null; spamRate: number | null; replyRate: number | null; score: number; at: Date; pause: boolean },
  ): Promise<void> {
    await db
      .updateTable("accounts")
      .set({
        bounce_rate: health.bounceRate,
        spam_rate: health.spamRate,
        reply_rate: health.replyRate,
        health_score: health.score,
        last_health_check: health.at,
        ...(health.pause ? { status: "paused" as const } : {}),
      })
      .where("id", "=", accountId)
      .execute();
  },

  /** Sets every account's `today_*` counters from `account_usage` for the UTC day starting at `day`. */
  async syncTodayCounters(db: DbOrTrx, day: Date): Promise<void> {
    await sql`
    UPDATE accounts a SET
      today_connections = coalesce((SELECT used FROM account_usage u WHERE u.account_id = a.id AND u.period = 'day' AND u.period_start = ${day} AND u.action = 'connection_request'), 0),
      today_messages = coalesce((SELECT used FROM account_usage u WHERE u.account_id = a.id AND u.period = 'day' AND u.period_start = ${day} AND u.action = 'message'), 0),
      today_emails = coalesce((SELECT used FROM account_usage u WHERE u.account_id = a.id AND u.period = 'day' AND u.period_start = ${day} AND u.action = 'email'), 0)`.execute(
      db,
    );
  },

  /**
   * Advances warming: an account with `warming_started_at` is in week ⌊days / 7⌋ + 1 (1–4); after
   * four weeks `warming_week` returns to 0 (fully warmed, full limits). Returns the rows changed.
   */
  async advanceWarming(db: DbOrTrx, now: Date): Promise<number> {
    const res = await sql`
    UPDATE accounts SET warming_week = CASE
        WHEN floor(extract(epoch FROM (${now}::timestamptz - warming_started_at)) / 604800) >= 4 THEN 0
        ELSE floor(extract(epoch FROM (${now}::timestamptz - warming_started_at)) / 604800)::int + 1 END,
      -- A new week raises the ramped limits: a cap found under the old ones is stale.
      ${sql.join(CAP_MARK_COLUMNS.map((c) => sql`${sql.ref(c)} = NULL`))}
    WHERE warming_started_at IS NOT NULL AND warming_started_at <= ${now}::timestamptz
      AND warming_week <> CASE
        WHEN floor(extract(epoch FROM (${now}::timestamptz - warming_started_at)) / 604800) >= 4 THEN 0
        ELSE floor(extract(epoch FROM (${now}::timestamptz - warming_started_at)) / 604800)::int + 1 END`.execute(db);
    return Number(res.numAffectedRows ?? 0);
  },
};

/** The error for an account that would duplicate a real one we already have, or null. */
async function sameRealAccount(
  db: DbOrTrx,
  data: { type?: string; email_address?: string | null; unipile_account_id?: string | null },
): Promise<ValidationError | null> {
  if (data.unipile_account_id) {
    const other = await db
      .selectFrom("accounts")
      .select(["id", "name"])
      .where("unipile_account_id", "=", data.unipile_account_id)
      .executeTakeFirst();
    if (other) {
      return new ValidationError("account", [
        {
          field: "unipile_account_id",
          message: `Unipile account ${data.unipile_account_id} is already account ${other.name} (${other.id}): one real account has one set of limits. Change that account instead (\`offerlab accounts limits ${other.name}\`)`,
        },
      ]);
    }
  }
  if (data.type === "email" && data.email_address) {
    const other = await db
      .selectFrom("accounts")
      .select(["id", "name"])
      .where("type", "=", "email")
      .where(sql<string>`lower(email_address)`, "=", data.email_address.toLowerCase())
      .executeTakeFirst();
    if (other) {
      return new ValidationError("account", [
        {
          field: "email_address",
          message: `the mailbox ${data.email_address} is already account ${other.name} (${other.id}): one mailbox has one set of limits. Change that account instead (\`offerlab accounts limits ${other.name}\`)`,
        },
      ]);
    }
  }
  return null;
}

/** Daily and hourly limits of an account, as `accountAdmin.setLimits` accepts them. */
export interface AccountLimitsPatch {
  daily_limit_connections?: number;
  daily_limit_messages?: number;
  daily_limit_emails?: number;
  hourly_limit?: number;
  /** The rest after each send, in seconds (0–86400); null: the runner's default (90 s). */
  send_gap_min_seconds?: number | null;
  /** The random extra rest drawn after each send, up to this many seconds (0–86400); null: the runner's default (210 s). */
  send_gap_variance_seconds?: number | null;
  /** The planner's largest random delay added to a send time, in whole minutes (0–1440); null: the planner's default (17). */
  send_jitter_minutes?: number | null;
}

/** Largest planner jitter accepted for an account, in minutes: a day. */
export const MAX_ACCOUNT_JITTER_MINUTES = 1440;

/** Longest rest (or variance) accepted between two sends of one account: a day. */
export const MAX_ACCOUNT_GAP_SECONDS = 86_400;

/** Highest limit accepted, a guard against typos (a real account sends far less). */
export const MAX_ACCOUNT_LIMIT = 10_000;

/** A sending account as the provider lists it (the provider-kit's `SendingAccount`, the fields sync reads). */
export interface RemoteAccount {
  /** The provider's account id (`accounts.unipile_account_id`). */
  id: string;
  type: "linkedin" | "email";
  name: string;
  /** `active` when the provider says the connection works, anything else when it does not. */
  status: AccountStatus;
  emailAddress?: string | null;
  /** `gmail`, `outlook`, `imap`, `linkedin`. */
  provider?: string | null;
}

/** One change sync made (or would make, in a dry run). */
export interface AccountSyncChange {
  /**
   * `skip`: the provider lists a second account for a mailbox we already hold under another
   * provider id that it still lists; one mailbox is one account with one set of limits, so the
   * second one is not added.
   */
  action: "create" | "link" | "update" | "disconnect" | "reconnect" | "unchanged" | "skip";
  name: string;
  type: "linkedin" | "email";
  remoteId: string;
  /** Local account id (null for an account not created yet in a dry run). */
  accountId: string | null;
  /** What changed, in words. */
  detail: string;
}

/** Options of `accountAdmin.sync`. */
export interface AccountSyncOptions {
  /** When the sync happens (warming start, `connected_at`). Default: now. */
  now?: Date;
  /** Start new accounts warming (week 1 of the ramp). Default true: a new account ramps up. */
  warmNew?: boolean;
  /** Compute the changes without writing. Default false. */
  dryRun?: boolean;
  /** Owner of new accounts. Default: the mailbox's local part, or the LinkedIn name's first word. */
  owner?: string;
}

function ownerOf(remote: RemoteAccount): string {
  if (remote.type === "email" && remote.emailAddress) return remote.emailAddress.split("@")[0]!;
  return (remote.name.trim().split(/\s+/)[0] ?? remote.id).toLowerCase();
}

export const accountAdmin = {
  /**
   * An account by id, exact name, provider account id or email address ({@link resolve}`.account`).
   * Throws a NotFoundError when none matches or when a name matches several (use the id then).
   */
  find(db: DbOrTrx, ref: string): Promise<Account> {
    return resolve.account(db, ref);
  },

  /**
   * Sets an account's status by the lifecycle (`accountStatusTransitions`): pause, or resume to
   * `active`. Resuming clears a provider cooldown (`limited_until`). Returns the account before
   * and after.
   */
  async setStatus(db: DbOrTrx, ref: string, status: AccountStatus): Promise<{ account: Account; previous: AccountStatus }> {
    return inTransaction(db, async (trx) => {
      const current = await accountAdmin.find(trx, ref);
      const problem = statusChangeProblem("account", current.status, status);
      if (problem) {
        const hint =
          current.status === "disconnected" || current.status === "banned"
            ? " (re-connect it at Unipile, then run `offerlab accounts sync`)"
            : "";
        throw new ValidationError("account", [{ field: "status", message: `${problem}${hint}` }]);
      }
      const account = await trx
        .updateTable("accounts")
        .set({ status, ...(status === "active" ? { limited_until: null } : {}) })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { account, previous: current.status };
    });
  },

  /**
   * Sets any of an account's daily and hourly limits (whole numbers from 0 to 10 000), its rest
   * between sends and its planner jitter (null: the default).
   */
  async setLimits(db: DbOrTrx, ref: string, limits: AccountLimitsPatch): Promise<{ account: Account; previous: Account }> {
    const issues: FieldIssue[] = [];
    const set: AccountLimitsPatch = {};
    for (const key of ["daily_limit_connections", "daily_limit_messages", "daily_limit_emails", "hourly_limit"] as const) {
      const v = limits[key];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v < 0 || v > MAX_ACCOUNT_LIMIT)
        issues.push({ field: key, message: `must be a whole number from 0 to ${MAX_ACCOUNT_LIMIT} (got ${v})` });
      else set[key] = v;
    }
    for (const key of ["send_gap_min_seconds", "send_gap_variance_seconds"] as const) {
      const v = limits[key];
      if (v === undefined) continue;
      if (v !== null && (!Number.isInteger(v) || v < 0 || v > MAX_ACCOUNT_GAP_SECONDS))
        issues.push({
          field: key,
          message: `must be a whole number of seconds from 0 to ${MAX_ACCOUNT_GAP_SECONDS}, or null for the default (got ${v})`,
        });
      else set[key] = v;
    }
    const jitter = limits.send_jitter_minutes;
    if (jitter !== undefined) {
      if (jitter !== null && (!Number.isInteger(jitter) || jitter < 0 || jitter > MAX_ACCOUNT_JITTER_MINUTES))
        issues.push({
          field: "send_jitter_minutes",
          message: `must be a whole number of minutes from 0 to ${MAX_ACCOUNT_JITTER_MINUTES}, or null for the default (got ${jitter})`,
        });
      else set.send_jitter_minutes = jitter;
    }
    if (issues.length) throw new ValidationError("account limits", issues);
    if (Object.keys(set).length === 0)
      throw new ValidationError("account limits", [
        { field: "(input)", message: "nothing to change: pass at least one limit, gap or jitter" },
      ]);
    return inTransaction(db, async (trx) => {
      const previous = await accountAdmin.find(trx, ref);
      // New limits make any cap the send path recorded under the old ones stale (issue 19): the
      // claim would skip rows the raised limit lets go. The reservation re-finds a cap still reached.
      const account = await trx
        .updateTable("accounts")
        .set({ ...set, ...NO_CAP_MARKS })
        .where("id", "=", previous.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { account, previous };
    });
  },

  /**
   * Starts (or restarts) warming: the account sends with ramped limits from warming week `week`
   * (1–4, default 1), and the cron moves it on a week every 7 days from `warming_started_at`
   * (set `week - 1` weeks back). An account with status `warming` (warmed outside offerlab)
   * becomes `active`, since it is now warmed by offerlab's ramp.
   */
  async startWarming(db: DbOrTrx, ref: string, options: { week?: number; now?: Date } = {}): Promise<Account> {
    const week = options.week ?? 1;
    if (!Number.isInteger(week) || week < 1 || week > 4) {
      throw new ValidationError("warming", [{ field: "week", message: `must be 1, 2, 3 or 4 (got ${week})` }]);
    }
    const now = options.now ?? new Date();
    return inTransaction(db, async (trx) => {
      const current = await accountAdmin.find(trx, ref);
      if (current.status === "disconnected" || current.status === "banned") {
        throw new ValidationError("warming", [
          {
            field: "status",
            message: `the account is ${current.status}; re-connect it at Unipile and run \`offerlab accounts sync\` first`,
          },
        ]);
      }
      return trx
        .updateTable("accounts")
        .set({
          warming_week: week,
          warming_started_at: new Date(now.getTime() - (week - 1) * 7 * DAY_MS),
          // Other limits from now on: a cap found under the previous ones is stale.
          ...NO_CAP_MARKS,
          ...(current.status === "warming" ? { status: "active" as const } : {}),
        })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  },

  /** Ends warming: full limits from now on. */
  async stopWarming(db: DbOrTrx, ref: string): Promise<Account> {
    const current = await accountAdmin.find(db, ref);
    return db
      .updateTable("accounts")
      .set({ warming_week: 0, warming_started_at: null, ...NO_CAP_MARKS })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * Brings local accounts in line with the provider's list:
   * - an account we do not know is created (linked instead to a local account of the same type and
   *   email address that has no provider id, or whose provider id the provider no longer lists — a
   *   mailbox connected again gets a new id), `active` and warming from week 1 (unless
   *   `warmNew: false`) when the provider says it works, else `disconnected`; a second provider
   *   account for a mailbox we already hold under a listed id is skipped (one real account, one set
   *   of limits);
   * - a known account the provider says does not work becomes `disconnected` (a banned one stays
   *   banned); a `disconnected` one that works again becomes `active`. `paused`, `limited` and
   *   `warming` are ours and are kept;
   * - a local account whose provider id is no longer listed becomes `disconnected`.
   * Names, owners and limits set locally are never overwritten; missing email and provider are filled.
   */
  async sync(db: DbOrTrx, remote: readonly RemoteAccount[], options: AccountSyncOptions = {}): Promise<AccountSyncChange[]> {
    const now = options.now ?? new Date();
    const warmNew = options.warmNew !== false;
    const run = async (trx: DbOrTrx) => {
      const local = await trx.selectFrom("accounts").selectAll().execute();
      const changes: AccountSyncChange[] = [];
      const seen = new Set<string>();
      const listed = new Set(remote.map((r) => r.id));
      for (const r of remote) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        const email = r.emailAddress ? normalizeEmail(r.emailAddress) : null;
        const works = r.status === "active";
        let mine = local.find((a) => a.unipile_account_id === r.id);
        let action: AccountSyncChange["action"] = "unchanged";
        const details: string[] = [];
        const set: Record<string, unknown> = {};
        if (!mine && email) {
          // The same mailbox (accounts are unique by mailbox among email accounts, and linked to
          // one provider id each): unlinked, or linked to an id the provider no longer lists.
          const same = local.find((a) => a.email_address === email && a.type === r.type);
          if (same && same.unipile_account_id && listed.has(same.unipile_account_id)) {
            changes.push({
              action: "skip",
              name: r.name,
              type: r.type,
              remoteId: r.id,
              accountId: same.id,
              detail: `the provider lists ${email} twice (also as ${same.unipile_account_id}, which ${same.name} uses): one mailbox is one account, this one is not added`,
            });
            continue;
          }
          if (same) {
            mine = same;
            action = "link";
            set.unipile_account_id = r.id;
            details.push(
              same.unipile_account_id
                ? `re-linked from ${same.unipile_account_id} (no longer listed) to the provider account ${r.id}`
                : `linked to the provider account ${r.id}`,
            );
            // Keep the local list in step, so the "no longer listed" pass below leaves it alone.
            same.unipile_account_id = r.id;
          }
        }
        if (!mine) {
          const values = {
            name: r.name,
            type: r.type,
            owner: options.owner ?? ownerOf(r),
            email_address: email,
            unipile_account_id: r.id,
            provider: r.provider ?? null,
            status: works ? ("active" as const) : ("disconnected" as const),
            connected_at: now,
            ...(works && warmNew ? { warming_week: 1, warming_started_at: now } : {}),
          };
          const created = options.dryRun ? null : await accounts.create(trx, values);
          // A later entry of the list for the same mailbox must find this one.
          local.push(created ?? ({ ...values, id: `(new ${r.id})` } as unknown as Account));
          changes.push({
            action: "create",
            name: r.name,
            type: r.type,
            remoteId: r.id,
            accountId: created?.id ?? null,
            detail: `new ${r.type} account, ${values.status}${works && warmNew ? ", warming from week 1" : ""}`,
          });
          continue;
        }
        if (!mine.email_address && email) set.email_address = email;
        if (!mine.provider && r.provider) set.provider = r.provider;
        if (!works && mine.status !== "disconnected" && mine.status !== "banned") {
          set.status = "disconnected";
          action = "disconnect";
          details.push(`the provider reports it not working (was ${mine.status}): disconnected`);
        } else if (works && mine.status === "disconnected") {
          set.status = "active";
          set.connected_at = now;
          action = "reconnect";
          details.push("works again at the provider: active");
        }
        if (Object.keys(set).length > 0 && action === "unchanged") {
          action = "update";
          details.push(`filled ${Object.keys(set).join(", ")}`);
        }
        if (Object.keys(set).length > 0 && !options.dryRun) {
          await trx
            .updateTable("accounts")
            .set(set as never)
            .where("id", "=", mine.id)
            .execute();
        }
        changes.push({
          action,
          name: mine.name,
          type: mine.type,
          remoteId: r.id,
          accountId: mine.id,
          detail: details.join("; ") || `unchanged (${mine.status})`,
        });
      }
      for (const a of local) {
        if (!a.unipile_account_id || seen.has(a.unipile_account_id)) continue;
        const gone = a.status !== "disconnected" && a.status !== "banned";
        if (gone && !options.dryRun) await trx.updateTable("accounts").set({ status: "disconnected" }).where("id", "=", a.id).execute();
        changes.push({
          action: gone ? "disconnect" : "unchanged",
          name: a.name,
          type: a.type,
          remoteId: a.unipile_account_id,
          accountId: a.id,
          detail: gone
            ? `no longer listed by the provider (was ${a.status}): disconnected`
            : `no longer listed by the provider (${a.status})`,
        });
      }
      return changes;
    };
    return inTransaction(db, run);
  },
};

/** The local accounts linked to these provider account ids (`accounts.unipile_account_id`). */
export async function accountsLinkedTo(db: DbOrTrx, providerIds: readonly string[]): Promise<Account[]> {
  if (providerIds.length === 0) return [];
  return db.selectFrom("accounts").selectAll().where("unipile_account_id", "in", providerIds).execute();
}

/**
 * LinkedIn profile views one account may spend per UTC day on connection-degree lookups.
 * Unipile's guidance for profile retrievals (`GET /users/{id}`) is about 80–100 a day per account
 * (shared/providers/unipile.md §6, a secondary source); we take the low end.
 */
export const PROFILE_VIEWS_PER_DAY = 80;

/** The profile-view budget: one guarded upsert per view on `account_usage` (action `profile_view`). */
export const profileViews = {
  /**
   * Reserves one profile view of the account's budget for the UTC day of `now`: the row is created
   * at 1 or incremented only while below `limit`, in one statement, so concurrent lookups cannot
   * overspend. False when the day's budget is spent.
   */
  async reserve(db: DbOrTrx, accountId: string, now: Date, limit: number = PROFILE_VIEWS_PER_DAY): Promise<boolean> {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const res = await sql<{ used: number }>`
      INSERT INTO account_usage AS u (account_id, period, period_start, action, used)
      SELECT ${accountId}::uuid, 'day', ${day}::timestamptz, 'profile_view', 1
      WHERE ${limit}::int > 0
      ON CONFLICT (account_id, period, period_start, action)
      DO UPDATE SET used = u.used + 1 WHERE u.used < ${limit}::int
      RETURNING used`.execute(db);
    return res.rows.length > 0;
  },

  /** Profile views each account has spent on the UTC day of `now`. */
  async usedToday(db: DbOrTrx, accountIds: readonly string[], now: Date): Promise<Map<string, number>> {
    const out = new Map(accountIds.map((id) => [id, 0]));
    if (accountIds.length === 0) return out;
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const rows = await db
      .selectFrom("account_usage")
      .select(["account_id", "used"])
      .where("account_id", "in", [...accountIds])
      .where("period", "=", "day")
      .where("period_start", "=", day)
      .where("action", "=", "profile_view")
      .execute();
    for (const r of rows) out.set(r.account_id, r.used);
    return out;
  },

  /** Logs one lookup in `account_activity` (`profile_view`: success, failed or rate_limited). */
  async record(
    db: DbOrTrx,
    view: { accountId: string; contactId: string; status: "success" | "failed" | "rate_limited"; error?: string | null; at: Date },
  ): Promise<void> {
    await db
      .insertInto("account_activity")
      .values({
        account_id: view.accountId,
        contact_id: view.contactId,
        action_type: "profile_view",
        status: view.status,
        error_message: view.error ?? null,
        created_at: view.at,
      })
      .execute();
  },
};
