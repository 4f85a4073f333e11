/**
 * The campaign aggregate: `campaigns` and their `campaign_contacts` — creation (slug, accounts,
 * target criteria, schedule), enrolment candidates and enrolment, launch, pause, resume, cancel,
 * and the facts a forecast reads. The send path's progress writes of `campaign_contacts` live in
 * the scheduler's runtime.
 *
 * Rules live in `@offerlab/core` (lifecycles, default schedules, slugs) and the scheduler's engine
 * (eligibility, launch checks, forecast); these functions read and write, and validate input
 * before writing anything (a ValidationError names each wrong field). Writes of other aggregates
 * (the offer a launch activates, the templates it binds, the queue rows a cancel ends) go through
 * their modules.
 */
import {
  AccountIds,
  CampaignChannel,
  CampaignContactInsert,
  CampaignInsert,
  CampaignType,
  DRAFT_ENROLMENT_HOLD_DAYS,
  SchedulingConfig,
  TargetCriteria,
  ValidationError,
  campaignSlug,
  defaultSchedulingConfig,
  isUuid,
  normalizeEmail,
  normalizeLinkedInUrl,
  parseOrThrow,
  schedulingStepChannel,
  statusChangeProblem,
  toFieldIssues,
  type AccountRef,
  type CampaignContactStatus as CampaignContactStatusT,
  type CampaignStatus,
  type EmailStatus,
  type FieldIssue,
  type GlobalContactStatus,
} from "@offerlab/core";
import { sql, type Expression, type Selectable, type SqlBool } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import { NotFoundError, resolve } from "../repositories.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";
import { accountAdmin, type Account } from "./accounts.js";
import { messageTemplates, offers, type Offer } from "./offers.js";
import { sendQueue } from "./queue.js";
import { chunks, encode, isUniqueViolation } from "./shared.js";

export type Campaign = Selectable<Database["campaigns"]>;
export type CampaignContact = Selectable<Database["campaign_contacts"]>;

export const campaigns = {
  async create(db: DbOrTrx, input: unknown): Promise<Campaign> {
    const data = parseOrThrow(CampaignInsert, input, "campaign");
    const windowProblems = sendWindowIssues(data);
    if (windowProblems.length) throw new ValidationError("campaign", windowProblems);
    try {
      return await db
        .insertInto("campaigns")
        .values(encode("campaigns", data) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error, "campaigns_campaign_slug_key")) {
        throw new ValidationError("campaign", [
          { field: "campaign_slug", message: `"${data.campaign_slug}" is already used by another campaign` },
        ]);
      }
      throw error;
    }
  },

  get(db: DbOrTrx, idOrSlug: string): Promise<Campaign | undefined> {
    const q = db.selectFrom("campaigns").selectAll();
    return (isUuid(idOrSlug) ? q.where("id", "=", idOrSlug) : q.where("campaign_slug", "=", idOrSlug)).executeTakeFirst();
  },

  /**
   * A campaign is `completed` by itself once every campaign contact is finished (none is `queued`,
   * `in_progress`, `waiting` or `paused`; it has at least one). Call it in the transaction that
   * finished a campaign contact, after that write. Only an `active` campaign completes (a paused
   * one waits for its resume; the sweep then completes it). It does not wait for a campaign row
   * another transaction holds (`SKIP LOCKED`: the send path must not wait for, or deadlock with, a
   * cancel or a send being recorded): a campaign skipped so, or whose last two contacts finished in
   * two transactions at once (neither sees the other's), is completed by `completeFinished`, the
   * cron's sweep. Returns the ids completed.
   */
  async completeIfFinished(db: DbOrTrx, campaignIds: readonly (string | null)[]): Promise<string[]> {
    const ids = [...new Set(campaignIds.filter((id): id is string => id !== null))];
    if (ids.length === 0) return [];
    return completeFinishedWhere(db, ids);
  },

  /** The sweep of `completeIfFinished` over every active campaign (the cron's `lifecycles` job). Returns the ids completed. */
  completeFinished(db: DbOrTrx): Promise<string[]> {
    return completeFinishedWhere(db, null);
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Campaign[]> {
    return db.selectFrom("campaigns").selectAll().where("offer_id", "=", offerId).orderBy("created_at").execute();
  },
};

/** One campaign contact's planner decision: only the fields present are written. */
export interface CampaignContactPlanUpdate {
  id: string;
  status?: string;
  stop_reason?: string | null;
  next_step_at?: Date | null;
  current_step?: number;
  last_step_at?: Date | null;
  completed_at?: Date;
  /** Sets `started_at` to this when it is not set yet. */
  started_at?: Date;
  max_step?: number;
}

export const campaignContacts = {
  /**
   * The planner's batch: every campaign contact's decision in one statement (a JSON array joined on
   * the id); a field absent from an update keeps its value.
   */
  async applyPlanned(db: DbOrTrx, updates: readonly CampaignContactPlanUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const has = (col: string) => sql.raw(`e ? '${col}'`);
    const ts = (col: string) => sql.raw(`(e->>'${col}')::timestamptz`);
    await sql`
    UPDATE campaign_contacts cc SET
      status = CASE WHEN ${has("status")} THEN e->>'status' ELSE cc.status END,
      stop_reason = CASE WHEN ${has("stop_reason")} THEN e->>'stop_reason' ELSE cc.stop_reason END,
      next_step_at = CASE WHEN ${has("next_step_at")} THEN ${ts("next_step_at")} ELSE cc.next_step_at END,
      current_step = CASE WHEN ${has("current_step")} THEN (e->>'current_step')::int ELSE cc.current_step END,
      last_step_at = CASE WHEN ${has("last_step_at")} THEN ${ts("last_step_at")} ELSE cc.last_step_at END,
      completed_at = CASE WHEN ${has("completed_at")} THEN ${ts("completed_at")} ELSE cc.completed_at END,
      started_at = CASE WHEN ${has("started_at")} THEN COALESCE(cc.started_at, ${ts("started_at")}) ELSE cc.started_at END,
      max_step = CASE WHEN ${has("max_step")} THEN (e->>'max_step')::int ELSE cc.max_step END
    FROM jsonb_array_elements(CAST(CAST(${JSON.stringify(updates)} AS text) AS jsonb)) AS e
    WHERE cc.id = (e->>'id')::uuid`.execute(db);
  },

  /**
   * An out-of-office: the sequence waits until `until` (its next step no earlier), unless the
   * person has replied. The person stays as they were: it is not a reply.
   */
  async pauseForOutOfOffice(db: DbOrTrx, campaignContactId: string, until: Date): Promise<void> {
    await db
      .updateTable("campaign_contacts")
      .set({ paused_until: until, next_step_at: sql<Date>`GREATEST(coalesce(next_step_at, ${until}::timestamptz), ${until}::timestamptz)` })
      .where("id", "=", campaignContactId)
      .where("replied", "=", false)
      .execute();
  },

  /**
   * A reply, at `at`. With `stops` (stop-on-reply) the sequence ends `replied` (`stop_reason`
   * `replied`, nothing more planned); without it (`stop_on_reply: false` and not negative) the
   * reply is noted and the sequence goes on.
   */
  async markReplied(
    db: DbOrTrx,
    campaignContactId: string,
    reply: { sentiment: CampaignContact["reply_sentiment"]; at: Date; stops: boolean },
  ): Promise<void> {
    await db
      .updateTable("campaign_contacts")
      .set(
        reply.stops
          ? {
              replied: true,
              status: "replied",
              reply_sentiment: reply.sentiment,
              completed_at: reply.at,
              next_step_at: null,
              stop_reason: "replied",
            }
          : { replied: true, reply_sentiment: reply.sentiment },
      )
      .where("id", "=", campaignContactId)
      .execute();
  },

  /**
   * A step of the sequence was sent (the send path's record, at `at`): the campaign contact moves
   * on (step, touches, `waiting` for the planner, who decides the next step from `next_step_at`)
   * and keeps the sender and the provider's ids of the thread or connection (first ones win).
   * Returns the touches so far (1: the first send to the person in this campaign).
   */
  async recordStepSent(
    db: DbOrTrx,
    campaignContactId: string,
    sent: {
      step: number;
      action: "connection_request" | "message" | "inmail" | "email";
      accountId: string;
      providerIds: { email_id?: string | null; provider_id?: string | null; chat_id?: string | null };
      at: Date;
    },
  ): Promise<{ touches: number } | undefined> {
    return campaignContacts.recordStepSentQuery(db, campaignContactId, sent).executeTakeFirst();
  },

  /**
   * `recordStepSent`'s update (`RETURNING touches`), unexecuted: for a CTE of a larger statement
   * (the send path's record), where `accountId` may be an expression (the fenced attempt's account)
   * and `gate` a condition the update waits for (the fence: nothing moves when it did not pass).
   */
  recordStepSentQuery(
    db: Pick<DbOrTrx, "updateTable">,
    campaignContactId: string,
    sent: {
      step: number;
      action: "connection_request" | "message" | "inmail" | "email";
      accountId: string | Expression<string>;
      providerIds: { email_id?: string | null; provider_id?: string | null; chat_id?: string | null };
      at: Date;
    },
    gate?: Expression<SqlBool>,
  ) {
    const { step, action, accountId, providerIds, at: now } = sent;
    const update = db
      .updateTable("campaign_contacts")
      .set((eb) => ({
        current_step: sql<number>`GREATEST(current_step, ${step})`,
        touches: eb("touches", "+", 1),
        last_step_at: now,
        started_at: sql<Date>`COALESCE(started_at, ${now}::timestamptz)`,
        status: sql<"waiting">`CASE WHEN status IN ('queued', 'in_progress', 'waiting') THEN 'waiting' ELSE status END`,
        // The planner decides the next step from here (conditions, delays, max touches).
        next_step_at: now,
        ...(action === "email"
          ? {
              email_account_id: sql<string>`COALESCE(email_account_id, ${accountId}::uuid)`,
              // The vendor's email id of the first email, when the send returned it (Unipile
              // returns a tracking id only; the id comes with the mail_sent webhook or a lookup).
              email_thread_ref: sql<string>`COALESCE(email_thread_ref, ${providerIds.email_id ?? null})`,
            }
          : {
              linkedin_account_id: sql<string>`COALESCE(linkedin_account_id, ${accountId}::uuid)`,
              linkedin_provider_id: sql<string>`COALESCE(linkedin_provider_id, ${providerIds.provider_id ?? null})`,
              ...(providerIds.chat_id ? { linkedin_chat_id: providerIds.chat_id } : {}),
              ...(action === "connection_request" ? { invitation_sent_at: now } : {}),
            }),
      }))
      .where("id", "=", campaignContactId);
    return (gate ? update.where(gate) : update).returning("touches");
  },

  /** The provider id of the first email of the person's thread, found later (only when none was noted). */
  async noteEmailThread(db: DbOrTrx, campaignContactId: string, emailId: string): Promise<void> {
    await db
      .updateTable("campaign_contacts")
      .set({ email_thread_ref: emailId })
      .where("id", "=", campaignContactId)
      .where("email_thread_ref", "is", null)
      .execute();
  },

  /** The thread of the campaign contact's first email, learnt after its send (`mail_sent`): noted only when none was and no email of theirs went before `sentAt`. */
  async noteFirstEmailThread(db: DbOrTrx, campaignContactId: string, emailId: string, sentAt: Date | null): Promise<void> {
    await db
      .updateTable("campaign_contacts")
      .set({ email_thread_ref: emailId })
      .where("id", "=", campaignContactId)
      .where("email_thread_ref", "is", null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("messages")
              .select("id")
              .where("campaign_contact_id", "=", campaignContactId)
              .where("channel", "=", "email")
              .where("sent_at", "<", sentAt ?? new Date(0)),
          ),
        ),
      )
      .execute();
  },

  /** The LinkedIn chat a reply came in, noted on the campaign contact (only when none was). */
  async noteLinkedInChat(db: DbOrTrx, campaignContactId: string, chatId: string): Promise<void> {
    await db
      .updateTable("campaign_contacts")
      .set({ linkedin_chat_id: chatId })
      .where("id", "=", campaignContactId)
      .where("linkedin_chat_id", "is", null)
      .execute();
  },

  /** An invitation was accepted at `at`: the contacts' campaign contacts of `accountId` (any when null) are connected and, still running, due now; returns how many. */
  async markConnected(
    db: DbOrTrx,
    input: { contactIds: readonly string[]; providerId: string; accountId: string | null; at: Date },
  ): Promise<number> {
    if (input.contactIds.length === 0) return 0;
    const { accountId, at } = input;
    const rows = await db
      .updateTable("campaign_contacts")
      .set({
        connected_at: sql<Date>`coalesce(connected_at, ${at}::timestamptz)`,
        linkedin_provider_id: sql<string>`coalesce(linkedin_provider_id, ${input.providerId})`,
        next_step_at: sql<Date>`CASE WHEN connected_at IS NULL AND status IN ('queued', 'in_progress', 'waiting') THEN ${at}::timestamptz ELSE next_step_at END`,
        ...(accountId ? { linkedin_account_id: sql<string>`coalesce(linkedin_account_id, ${accountId}::uuid)` } : {}),
      })
      .where("contact_id", "in", [...input.contactIds])
      .where((eb) => (accountId ? eb.or([eb("linkedin_account_id", "=", accountId), eb("linkedin_account_id", "is", null)]) : eb.val(true)))
      .returning("id")
      .execute();
    return rows.length;
  },

  /** The person opted out at `at`: every sequence of theirs (`contactIds`) but a `meeting` ends `unsubscribed`; returns the campaign of each one ended. */
  async markUnsubscribed(db: DbOrTrx, contactIds: readonly string[], at: Date): Promise<string[]> {
    if (contactIds.length === 0) return [];
    const rows = await db
      .updateTable("campaign_contacts")
      .set({
        status: "unsubscribed",
        next_step_at: null,
        stop_reason: "unsubscribed",
        completed_at: sql<Date>`coalesce(completed_at, ${at}::timestamptz)`,
      })
      .where("contact_id", "in", [...contactIds])
      .where("status", "not in", ["meeting"])
      .returning("campaign_id")
      .execute();
    return rows.map((r) => r.campaign_id);
  },

  /** An email of the sequence bounced at `at`: the campaign contact, when still in its sequence, ends `bounced`; returns its campaign when it ended. */
  async markBounced(db: DbOrTrx, campaignContactId: string, at: Date): Promise<string[]> {
    const rows = await db
      .updateTable("campaign_contacts")
      .set({
        status: "bounced",
        next_step_at: null,
        stop_reason: "bounced",
        completed_at: sql<Date>`coalesce(completed_at, ${at}::timestamptz)`,
      })
      .where("id", "=", campaignContactId)
      .where("status", "in", ["queued", "in_progress", "waiting", "paused"])
      .returning("campaign_id")
      .execute();
    return rows.map((r) => r.campaign_id);
  },

  /** The invitation of these campaign contacts was withdrawn unanswered (only those not connected since). */
  async markInvitationWithdrawn(db: DbOrTrx, campaignContactIds: readonly string[]): Promise<void> {
    if (campaignContactIds.length === 0) return;
    await db
      .updateTable("campaign_contacts")
      .set({ stop_reason: "invitation_withdrawn" })
      .where("id", "in", [...campaignContactIds])
      .where("connected_at", "is", null)
      .execute();
  },

  /** Adds a contact to a campaign; adding it twice returns the existing row. */
  async add(db: DbOrTrx, input: unknown): Promise<{ campaignContact: CampaignContact; created: boolean }> {
    const data = parseOrThrow(CampaignContactInsert, input, "campaign contact");
    const inserted = await db
      .insertInto("campaign_contacts")
      .values(data as never)
      .onConflict((oc) => oc.columns(["campaign_id", "contact_id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { campaignContact: inserted, created: true };
    const existing = await db
      .selectFrom("campaign_contacts")
      .selectAll()
      .where("campaign_id", "=", data.campaign_id)
      .where("contact_id", "=", data.contact_id)
      .executeTakeFirstOrThrow();
    return { campaignContact: existing, created: false };
  },

  /**
   * Of these contacts, those still in a sequence (queued, in progress, waiting or paused) that they
   * joined at or before `joinedBy`: the sequences an outcome of that time may stop.
   */
  async runningContactIds(db: DbOrTrx, contactIds: readonly string[], joinedBy: Date): Promise<string[]> {
    if (contactIds.length === 0) return [];
    const rows = await db
      .selectFrom("campaign_contacts")
      .select("contact_id")
      .distinct()
      .where("contact_id", "in", [...contactIds])
      .where("status", "in", [...RUNNING_CC])
      .where("added_at", "<=", joinedBy)
      .orderBy("contact_id")
      .execute();
    return rows.map((r) => r.contact_id);
  },

  /**
   * The sequences of these contacts (in every campaign) end by a person's decision: contacts still
   * in a sequence get `status` (a `meeting` is left as it is) with `stopReason`, no next step, and
   * `completed_at`. The caller cancels their unsent sends in the same transaction (after taking the
   * send path's locks). Returns how many sequences ended.
   */
  async stopByHand(
    db: DbOrTrx,
    contactIds: readonly string[],
    stop: {
      status: "unsubscribed" | "completed" | "meeting";
      stopReason: "unsubscribed" | "do_not_contact" | "company_disqualified" | "meeting" | "outcome_recorded";
      at: Date;
    },
  ): Promise<number> {
    if (contactIds.length === 0) return 0;
    let n = 0;
    for (const part of chunks(contactIds)) {
      const rows = await db
        .updateTable("campaign_contacts")
        .set({
          status: stop.status,
          stop_reason: stop.stopReason,
          next_step_at: null,
          paused_until: null,
          completed_at: sql<Date>`coalesce(completed_at, ${stop.at}::timestamptz)`,
        })
        .where("contact_id", "in", part)
        .where("status", "in", [...RUNNING_CC])
        .returning("id")
        .execute();
      n += rows.length;
    }
    return n;
  },

  /**
   * The contact's sequences paused for a human: `status` `paused` (a missing template, a lint
   * failure, a bad schedule) or held until a time still to come (`paused_until`, an out-of-office
   * reply), in campaigns not completed or cancelled; with the campaign's slug and name.
   */
  pausedOf(db: DbOrTrx, contactId: string, now: Date) {
    return db
      .selectFrom("campaign_contacts as cc")
      .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
      .selectAll("cc")
      .select(["c.campaign_slug", "c.name as campaign_name", "c.status as campaign_status"])
      .where("cc.contact_id", "=", contactId)
      .where("c.status", "not in", ["completed", "cancelled"])
      .where((eb) =>
        eb.or([
          eb("cc.status", "=", "paused"),
          eb.and([eb("cc.status", "in", ["queued", "in_progress", "waiting"]), eb("cc.paused_until", ">", now)]),
        ]),
      )
      .orderBy("cc.added_at")
      .execute();
  },

  /**
   * A sequence paused for a human goes on (a person un-paused it): `queued` when it has not
   * started, else `in_progress`; the hold and the pause reason are cleared and its next step is due
   * at `now` (the planner plans it on its next pass). Returns the row.
   */
  async resumeByHand(db: DbOrTrx, campaignContactId: string, now: Date): Promise<CampaignContact> {
    return db
      .updateTable("campaign_contacts")
      .set({
        status: sql<CampaignContactStatusT>`CASE WHEN status = 'paused' THEN (CASE WHEN current_step = 0 AND touches = 0 THEN 'queued' ELSE 'in_progress' END) ELSE status END`,
        paused_until: null,
        stop_reason: sql<string | null>`CASE WHEN status = 'paused' THEN NULL ELSE stop_reason END`,
        next_step_at: now,
      })
      .where("id", "=", campaignContactId)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  listByCampaign(db: DbOrTrx, campaignId: string): Promise<CampaignContact[]> {
    return db.selectFrom("campaign_contacts").selectAll().where("campaign_id", "=", campaignId).orderBy("added_at").execute();
  },
};

const DAY_SECONDS = 86_400;

/** A time of day as seconds (so 09:00 and 09:00:00 compare equal), or the text itself when it is not one. */
function secondsOrText(v: string): string {
  return /^\d{1,2}:\d{2}(:\d{2})?$/.test(v) ? String(secondsOfDay(v)) : v;
}

/** Seconds since midnight of a valid `HH:MM[:SS]` (24:00 is 86,400: the end of the day). */
function secondsOfDay(time: string): number {
  const [h, m, s] = time.split(":").map(Number);
  return h! * 3600 + m! * 60 + (s ?? 0);
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A campaign's send window: the columns `campaigns.create` and `campaignAdmin.changeSettings` check alike. */
export interface CampaignWindowFields {
  /** `HH:MM[:SS]` in the campaign's time zone. Absent: `09:00` (the column default). */
  send_window_start?: string;
  /** `HH:MM[:SS]`, after the start; `24:00` is the end of the day. Absent: `17:00`. */
  send_window_end?: string;
  /** ISO weekdays (1 = Monday). */
  send_days?: number[];
  /** IANA time zone. */
  timezone?: string;
}

const WindowColumns = CampaignInsert.pick({ send_window_start: true, send_window_end: true, send_days: true, timezone: true });

/**
 * Every problem of a send window, each naming its field and the fix (empty when it is valid): the
 * one check of a window, at creation and at every later edit. Times are compared as times, not
 * text: 09:00 and 09:00:00 are the same instant of the day.
 */
export function sendWindowIssues(w: CampaignWindowFields): FieldIssue[] {
  const parsed = WindowColumns.safeParse(w);
  const issues: FieldIssue[] = parsed.success ? [] : toFieldIssues(parsed.error);
  // The times are compared only when they parsed.
  if (parsed.success) {
    const { send_window_start: start, send_window_end: end } = parsed.data;
    if (start !== undefined && secondsOfDay(start) === DAY_SECONDS) {
      issues.push({
        field: "send_window_start",
        message: "24:00 is the end of a day; a window starts at 23:59 at the latest (use 00:00 for midnight)",
      });
    } else if (secondsOfDay(start ?? "09:00") >= secondsOfDay(end ?? "17:00")) {
      issues.push({ field: "send_window_end", message: `must be after send_window_start (${start ?? "09:00"})` });
    }
  }
  if (typeof w.timezone === "string" && !isValidTimeZone(w.timezone)) {
    issues.push({ field: "timezone", message: `"${w.timezone}" is not an IANA time zone (e.g. "Europe/Paris")` });
  }
  return issues;
}

/**
 * The problem of a campaign's daily cap (`daily_send_cap`), or null when it is valid: a positive
 * whole number of sends per calendar day in the campaign's time zone, or null for no cap of the
 * campaign's own. The one check, at creation and at every later edit.
 */
export function dailySendCapIssue(value: unknown): FieldIssue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 2_147_483_647) return null;
  return {
    field: "daily_send_cap",
    message: `must be a positive whole number of sends a day, or none to clear it (got ${JSON.stringify(value)})`,
  };
}

/**
 * Resolves a campaign's sending accounts (id, name, email or Unipile id; duplicates once): at
 * least one, each found. Pushes each problem to `issues`. With {@link checkCampaignAccounts}, the
 * one check of accounts, at creation and at every later edit.
 */
async function resolveCampaignAccounts(db: DbOrTrx, accountRefs: readonly string[], issues: FieldIssue[]): Promise<Account[]> {
  const found: Account[] = [];
  if (accountRefs.length === 0)
    issues.push({ field: "accounts", message: "name at least one sending account (see `offerlab accounts list`)" });
  for (const ref of accountRefs) {
    try {
      const a = await accountAdmin.find(db, ref);
      if (!found.some((f) => f.id === a.id)) found.push(a);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      issues.push({ field: "accounts", message: error.message });
    }
  }
  return found;
}

/**
 * Checks resolved accounts against the campaign's channel and schedule (the channel allows the
 * schedule's steps, and there is an account of each type the steps send from) and returns them as
 * `account_ids` (null when invalid). Pushes each problem to `issues`.
 */
function checkCampaignAccounts(
  found: readonly Account[],
  channel: CampaignChannel | null,
  schedule: SchedulingConfig | null,
  issues: FieldIssue[],
): AccountIds | null {
  if (schedule && channel) {
    const stepTypes = new Set(schedule.steps.map((s) => (schedulingStepChannel[s.type] === "email" ? "email" : "linkedin")));
    if (channel !== "multi") {
      for (const t of stepTypes) {
        if (t !== channel)
          issues.push({ field: "scheduling_config", message: `a ${channel} campaign cannot have ${t} steps; use channel multi` });
      }
    }
    for (const t of stepTypes) {
      if (found.length > 0 && !found.some((a) => a.type === t)) {
        issues.push({ field: "accounts", message: `the schedule has ${t} steps but no ${t} account is given` });
      }
    }
  }
  const refs: AccountRef[] = found.map((a) => ({ id: a.id, name: a.name, type: a.type }));
  const accountIds = AccountIds.safeParse(refs);
  if (!accountIds.success)
    issues.push(...toFieldIssues(accountIds.error).map((i) => ({ field: `accounts.${i.field}`, message: i.message })));
  return accountIds.success ? accountIds.data : null;
}

/** What `campaignAdmin.changeSettings` changes; absent fields keep their value. */
export interface CampaignSettingsPatch extends CampaignWindowFields {
  /** The campaign's accounts, all of them (by id, name, email or Unipile id): they replace the list. */
  accounts?: readonly string[];
  /**
   * The campaign's own cap on sends (invitations, messages and emails together) per calendar day
   * in its time zone; null clears it. Checked by `dailySendCapIssue`.
   */
  daily_send_cap?: number | null;
}

/** What `campaignAdmin.changeSettings` did. */
export interface CampaignSettingsChange {
  campaign: Campaign;
  previous: Campaign;
  /** The fields whose value changed (`send_window_start`, `send_window_end`, `send_days`, `timezone`, `accounts`, `daily_send_cap`). */
  changed: string[];
  /** Accounts taken off the campaign. */
  removedAccounts: AccountRef[];
  /** Queue rows of removed accounts not yet claimed, cancelled (`sender_unavailable`). */
  queueCancelled: number;
  /** Queue rows of removed accounts not yet claimed, moved to a remaining account by `options.reroute` (not cancelled). */
  queueMoved: number;
  /** Queue rows waiting for the old window to open (or for the old daily cap's next day), brought forward to be judged again. */
  queueRetimed: number;
  /** Contacts still in a sequence whose sticky sender (their thread or connection) was removed. */
  contactsStranded: number;
}

/** What `campaignAdmin.create` accepts. */
export interface CampaignCreateRequest {
  /** The offer's id or slug. */
  offer: string;
  /** The campaign's name, for people (the slug is built from the parts below). */
  name: string;
  /** `email`, `linkedin` or `multi`. */
  channel: string;
  /**
   * Default `cold_outreach`: people who are not connections yet (invitation first; 1st-degree
   * connections are skipped at enrolment). `networking`: 1st-degree connections only, messaged
   * first (its schedule may not have a `connection_request` step).
   */
  campaign_type?: string;
  /**
   * Let the burner accounts among `accounts` send for this campaign
   * (`scheduling_config.use_burner_accounts`). Default false: burner accounts send nothing.
   */
  use_burner_accounts?: boolean;
  /** Accounts by id, name or email; at least one. */
  accounts: readonly string[];
  /** The primary signal targeted (`target_criteria.signal`); required, it is part of the slug. */
  signal?: string;
  /** The ICP segment (`target_criteria.icp_target`); required, it is part of the slug. */
  icp_target?: string;
  /** The slug's account part. Default: the account's name, or the accounts' owners joined. */
  account_label?: string;
  /** `target_criteria` (signal and icp_target above win over the same keys here). */
  target_criteria?: unknown;
  /** Default: {@link defaultSchedulingConfig} for the channel and the offer's email sequence. */
  scheduling_config?: unknown;
  /** `HH:MM` in the campaign's time zone. Default `09:00` (the column default). */
  send_window_start?: string;
  /** `HH:MM`, after the start. Default `17:00`. */
  send_window_end?: string;
  /** ISO weekdays (1 = Monday). Default Monday to Friday. */
  send_days?: number[];
  /** IANA time zone of the window. Default `America/New_York` (the column default). */
  timezone?: string;
  /**
   * The campaign's own cap on sends (all actions together) per calendar day in its time zone.
   * Default null: no cap but the accounts' limits.
   */
  daily_send_cap?: number | null;
}

/** A campaign with its offer's slug and its enrolment counts, for lists. */
export type CampaignListRow = Campaign & { offer_slug: string | null; enrolled: number; in_sequence: number };

/** A contact a campaign's target criteria matched, with what the enrolment rules read (the scheduler's `EnrolmentCandidate`). */
export interface CampaignCandidate {
  contactId: string;
  fullName: string | null;
  companyName: string;
  email: string | null;
  emailStatus: EmailStatus | null;
  linkedinUrl: string | null;
  person: {
    rows: { global_status: GlobalContactStatus; status: string; eligible_for_outreach: boolean; connection_degree: number | null }[];
    lastTouchAt: Date | null;
  };
  inCampaign: boolean;
  activeElsewhere: string | null;
  /** The contact's LinkedIn connection degree, else the lowest known on another row of the person; null when unknown. */
  connectionDegree: number | null;
}

/** Campaign-contact statuses still in a sequence. */
const RUNNING_CC = ["queued", "in_progress", "waiting", "paused"] as const;

async function completeFinishedWhere(db: DbOrTrx, ids: string[] | null): Promise<string[]> {
  const running = sql.join([...RUNNING_CC].map((st) => sql`${st}`));
  const rows = await sql<{ id: string }>`
    UPDATE campaigns SET status = 'completed'
    WHERE id IN (
      SELECT c.id FROM campaigns c
      WHERE c.status = 'active'
        ${ids ? sql`AND c.id IN (${sql.join(ids.map((id) => sql`${id}::uuid`))})` : sql``}
        AND EXISTS (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = c.id AND cc.status IN (${running}))
      FOR UPDATE SKIP LOCKED
    )
    AND status = 'active'
    RETURNING id`.execute(db);
  return rows.rows.map((r) => r.id);
}

function campaignAccountIds(c: Pick<Campaign, "account_id" | "account_ids">): string[] {
  const ids = new Set<string>();
  if (c.account_id) ids.add(c.account_id);
  for (const a of c.account_ids ?? []) ids.add(a.id);
  return [...ids];
}

/** A campaign by id, slug or name ({@link resolve}`.campaign`); a NotFoundError otherwise. */
function requireCampaign(db: DbOrTrx, ref: string): Promise<Campaign> {
  return resolve.campaign(db, ref);
}

function slugPart(field: string, value: string | undefined, issues: FieldIssue[], what: string): string {
  if (value === undefined || value.trim() === "") {
    issues.push({ field, message: `is required: ${what} is part of the campaign slug {type}-{offer}-{channel}-{signal}-{icp}-{account}` });
    return "";
  }
  if (!/[\p{L}\p{N}]/u.test(value)) issues.push({ field, message: `"${value}" has no letters or digits to put in the slug` });
  return value.trim();
}

/** What a launch check reads of one campaign ({@link campaignAdmin}`.launchContext`). */
export interface LaunchContext {
  campaign: Campaign;
  offer: Offer;
  accounts: Account[];
  missingAccountIds: string[];
  templates: Selectable<Database["message_templates"]>[];
  contacts: number;
}

export const campaignAdmin = {
  /** A campaign by id, slug or name; throws a NotFoundError naming the reference when there is none. */
  get: requireCampaign,

  /** Campaigns, newest first, with enrolment counts. */
  async list(db: DbOrTrx, filter: { offerId?: string; status?: CampaignStatus } = {}): Promise<CampaignListRow[]> {
    let q = db
      .selectFrom("campaigns as c")
      .innerJoin("offers as o", "o.id", "c.offer_id")
      .selectAll("c")
      .select((eb) => [
        "o.slug as offer_slug",
        eb
          .selectFrom("campaign_contacts as cc")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("cc.campaign_id", "=", "c.id")
          .as("enrolled"),
        eb
          .selectFrom("campaign_contacts as cc")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("cc.campaign_id", "=", "c.id")
          .where("cc.status", "in", [...RUNNING_CC])
          .as("in_sequence"),
      ]);
    if (filter.offerId) q = q.where("c.offer_id", "=", filter.offerId);
    if (filter.status) q = q.where("c.status", "=", filter.status);
    const rows = await q.orderBy("c.created_at", "desc").orderBy("c.name").execute();
    return rows.map((r) => ({ ...r, enrolled: r.enrolled ?? 0, in_sequence: r.in_sequence ?? 0 }));
  },

  /**
   * Creates a campaign in `draft`: resolves the offer and the accounts, checks that the accounts
   * can send every step of the schedule, builds `campaign_slug`
   * (`{type}-{offer}-{channel}-{signal}-{icp}-{account}`, core's `campaignSlug`) and stores the
   * target criteria, schedule, window and accounts. Every problem is reported at once.
   */
  async create(db: DbOrTrx, req: CampaignCreateRequest): Promise<Campaign> {
    const issues: FieldIssue[] = [];
    let offer: Offer | undefined;
    try {
      offer = await resolve.offer(db, req.offer);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      issues.push({ field: "offer", message: error.message });
    }
    const channel = CampaignChannel.safeParse(req.channel);
    if (!channel.success)
      issues.push({ field: "channel", message: `must be one of ${CampaignChannel.options.join(", ")} (got "${req.channel}")` });
    const type = CampaignType.safeParse(req.campaign_type ?? "cold_outreach");
    if (!type.success)
      issues.push({ field: "campaign_type", message: `must be one of ${CampaignType.options.join(", ")} (got "${req.campaign_type}")` });
    if (!req.name || req.name.trim() === "") issues.push({ field: "name", message: "is required" });
    const found = await resolveCampaignAccounts(db, req.accounts, issues);

    let criteria: TargetCriteria | undefined;
    const rawCriteria = { ...((req.target_criteria as Record<string, unknown> | undefined) ?? {}) };
    const signal = slugPart(
      "target_criteria.signal",
      req.signal ?? (rawCriteria.signal as string | undefined),
      issues,
      "the signal targeted",
    );
    const icp = slugPart(
      "target_criteria.icp_target",
      req.icp_target ?? (rawCriteria.icp_target as string | undefined),
      issues,
      "the ICP segment",
    );
    const parsedCriteria = TargetCriteria.safeParse({ ...rawCriteria, ...(signal ? { signal } : {}), ...(icp ? { icp_target: icp } : {}) });
    if (parsedCriteria.success) criteria = parsedCriteria.data;
    else issues.push(...toFieldIssues(parsedCriteria.error).map((i) => ({ field: `target_criteria.${i.field}`, message: i.message })));

    let schedule: SchedulingConfig | undefined;
    if (req.scheduling_config !== undefined) {
      const parsed = SchedulingConfig.safeParse(req.scheduling_config);
      if (parsed.success) schedule = parsed.data;
      else issues.push(...toFieldIssues(parsed.error).map((i) => ({ field: `scheduling_config.${i.field}`, message: i.message })));
    } else if (channel.success) {
      schedule = defaultSchedulingConfig(channel.data, offer?.email_templates, type.success ? type.data : undefined);
    }
    if (schedule && req.use_burner_accounts !== undefined) schedule = { ...schedule, use_burner_accounts: req.use_burner_accounts };
    if (schedule && type.success && type.data === "networking") {
      const invite = schedule.steps.find((s) => s.type === "connection_request");
      if (invite)
        issues.push({
          field: `scheduling_config.steps.${invite.step - 1}`,
          message:
            "a networking campaign messages people who are already 1st-degree connections: it sends no invitation (connection_request); remove the step or use campaign_type cold_outreach",
        });
    }
    const accountIds = checkCampaignAccounts(found, channel.success ? channel.data : null, schedule ?? null, issues);
    const capIssue = dailySendCapIssue(req.daily_send_cap);
    if (capIssue) issues.push(capIssue);

    let slug = "";
    if (issues.length === 0 && offer && channel.success && type.success) {
      const owners = [...new Set(found.map((a) => a.owner))];
      const label = req.account_label ?? (found.length === 1 ? found[0]!.name : owners.join("-"));
      try {
        slug = campaignSlug({ type: type.data, offer: offer.slug ?? offer.name, channel: channel.data, signal, icp, account: label });
      } catch (error) {
        issues.push({ field: "account_label", message: (error as Error).message });
      }
    }
    if (issues.length) throw new ValidationError("campaign", issues);

    const single = channel.data !== "multi" && found.length === 1 ? found[0]!.id : null;
    return campaigns.create(db, {
      name: req.name.trim(),
      offer_id: offer!.id,
      channel: channel.data,
      campaign_type: type.data,
      account_id: single,
      account_ids: accountIds,
      campaign_slug: slug,
      target_criteria: criteria,
      scheduling_config: schedule,
      status: "draft",
      ...(req.send_window_start !== undefined ? { send_window_start: req.send_window_start } : {}),
      ...(req.send_window_end !== undefined ? { send_window_end: req.send_window_end } : {}),
      ...(req.send_days !== undefined ? { send_days: req.send_days } : {}),
      ...(req.timezone !== undefined ? { timezone: req.timezone } : {}),
      ...(req.daily_send_cap != null ? { daily_send_cap: req.daily_send_cap } : {}),
    });
  },

  /**
   * The contacts of the campaign's offer its target criteria match, best fit first, each with the
   * person's rows across every offer, our last touch of the person (outreach_history, across
   * every offer), whether they are already enrolled here and in which unfinished campaign elsewhere
   * holds them (a running one, or one never launched whose enrolment is under
   * `DRAFT_ENROLMENT_HOLD_DAYS` old at `options.now`, default now). With `options.contactIds`,
   * only those of them (a hand-made selection: the criteria still apply).
   */
  async candidates(
    db: DbOrTrx,
    campaignRef: string,
    options: { now?: Date; contactIds?: readonly string[] } = {},
  ): Promise<{ campaign: Campaign; candidates: CampaignCandidate[] }> {
    const campaign = await requireCampaign(db, campaignRef);
    const draftHoldSince = new Date((options.now ?? new Date()).getTime() - DRAFT_ENROLMENT_HOLD_DAYS * 86_400_000);
    const criteria = campaign.target_criteria ?? {};
    let q = db
      .selectFrom("contacts as ct")
      .innerJoin("companies as co", "co.id", "ct.company_id")
      .select([
        "ct.id",
        "ct.full_name",
        "ct.email",
        "ct.email_status",
        "ct.linkedin_url",
        "ct.connection_degree",
        "co.name as company_name",
      ])
      .where("ct.offer_id", "=", campaign.offer_id);
    // Disqualified companies (by hand or by the pipeline) are left out unless the criteria ask for that status by name.
    if (criteria.company_status?.length) q = q.where("co.status", "in", criteria.company_status);
    else q = q.where("co.status", "<>", "disqualified");
    // People the pipeline parked (`skip`: low buyer fit, no usable address …) are left out unless
    // the criteria ask for that status by name.
    if (criteria.contact_status?.length) q = q.where("ct.status", "in", criteria.contact_status);
    else q = q.where("ct.status", "<>", "skip");
    if (criteria.min_fit_score !== undefined) q = q.where("co.fit_score", ">=", criteria.min_fit_score);
    // Only these contacts (a selection made by hand), when given.
    if (options.contactIds) {
      if (options.contactIds.length === 0) return { campaign, candidates: [] };
      q = q.where("ct.id", "in", [...options.contactIds]);
    }
    // `connection_degrees` and `exclude_1st_degree` are applied by enrolment (the scheduler's
    // `selectForEnrolment`), so that each contact they keep out is reported with its reason.
    const matched = await q
      .orderBy(sql`co.fit_score DESC NULLS LAST`)
      .orderBy(sql`ct.buyer_fit_score DESC NULLS LAST`)
      .orderBy("ct.created_at")
      // Contacts written in one transaction share created_at: then by natural key, not by id.
      .orderBy("ct.email")
      .orderBy("ct.linkedin_url")
      .orderBy("ct.full_name")
      .orderBy("ct.id")
      .execute();

    const keyed = matched.map((m) => ({
      ...m,
      email: m.email ? normalizeEmail(m.email) : null,
      linkedin: m.linkedin_url ? normalizeLinkedInUrl(m.linkedin_url) : null,
    }));
    const emails = [...new Set(keyed.map((k) => k.email).filter((e): e is string => e !== null))];
    const links = [...new Set(keyed.map((k) => k.linkedin).filter((l): l is string => l !== null))];

    type PersonRow = {
      id: string;
      email: string | null;
      linkedin_url: string | null;
      global_status: GlobalContactStatus;
      status: string;
      eligible_for_outreach: boolean;
      connection_degree: number | null;
    };
    const personRows = new Map<string, PersonRow>();
    const load = async (column: "id" | "email" | "linkedin_url", values: string[]) => {
      for (const part of chunks(values)) {
        const rows = await db
          .selectFrom("contacts")
          .select(["id", "email", "linkedin_url", "global_status", "status", "eligible_for_outreach", "connection_degree"])
          .where(column, "in", part)
          .execute();
        for (const r of rows) personRows.set(r.id, r);
      }
    };
    await load("email", emails);
    await load("linkedin_url", links);
    // People with neither key are only their own row.
    await load(
      "id",
      keyed.filter((k) => !personRows.has(k.id)).map((k) => k.id),
    );

    // Our touches, by contact row, email and LinkedIn URL (history keeps the keys after a row is deleted).
    const touchByContact = new Map<string, Date>();
    const touchByEmail = new Map<string, Date>();
    const touchByLinkedIn = new Map<string, Date>();
    const later = (map: Map<string, Date>, key: string | null, at: Date) => {
      if (!key) return;
      const prev = map.get(key);
      if (!prev || prev < at) map.set(key, at);
    };
    const rowIds = [...personRows.keys()];
    for (const part of chunks(rowIds)) {
      const rows = await db
        .selectFrom("outreach_history")
        .select(["contact_id", sql<Date>`max(sent_at)`.as("last")])
        .where("contact_id", "in", part)
        .groupBy("contact_id")
        .execute();
      for (const r of rows) later(touchByContact, r.contact_id, r.last);
    }
    for (const part of chunks(emails)) {
      const rows = await db
        .selectFrom("outreach_history")
        .select(["contact_email", sql<Date>`max(sent_at)`.as("last")])
        .where("contact_email", "in", part)
        .groupBy("contact_email")
        .execute();
      for (const r of rows) later(touchByEmail, r.contact_email, r.last);
    }
    for (const part of chunks(links)) {
      const rows = await db
        .selectFrom("outreach_history")
        .select(["contact_linkedin_url", sql<Date>`max(sent_at)`.as("last")])
        .where("contact_linkedin_url", "in", part)
        .groupBy("contact_linkedin_url")
        .execute();
      for (const r of rows) later(touchByLinkedIn, r.contact_linkedin_url, r.last);
    }

    const enrolledHere = new Set(
      (await db.selectFrom("campaign_contacts").select("contact_id").where("campaign_id", "=", campaign.id).execute()).map(
        (r) => r.contact_id,
      ),
    );
    const elsewhere = new Map<string, string>();
    for (const part of chunks(rowIds)) {
      const rows = await db
        .selectFrom("campaign_contacts as cc")
        .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
        .select(["cc.contact_id", "c.name"])
        .where("cc.contact_id", "in", part)
        .where("cc.campaign_id", "<>", campaign.id)
        .where("cc.status", "in", [...RUNNING_CC])
        // A campaign that runs holds its people; one never launched holds them for a while only
        // (DRAFT_ENROLMENT_HOLD_DAYS from the enrolment), so a forgotten draft does not hold them forever.
        .where((eb) =>
          eb.or([
            eb("c.status", "in", ["active", "paused"]),
            eb.and([eb("c.status", "in", ["draft", "ready"]), eb("cc.added_at", ">", draftHoldSince)]),
          ]),
        )
        .execute();
      for (const r of rows) elsewhere.set(r.contact_id, r.name);
    }

    const all = [...personRows.values()];
    const candidates = keyed.map((k): CampaignCandidate => {
      const rows = all.filter(
        (r) => r.id === k.id || (k.email !== null && r.email === k.email) || (k.linkedin !== null && r.linkedin_url === k.linkedin),
      );
      let last: Date | null = null;
      const consider = (d: Date | undefined) => {
        if (d && (!last || d > last)) last = d;
      };
      for (const r of rows) consider(touchByContact.get(r.id));
      if (k.email) consider(touchByEmail.get(k.email));
      if (k.linkedin) consider(touchByLinkedIn.get(k.linkedin));
      const other = rows.map((r) => elsewhere.get(r.id)).find((n) => n !== undefined) ?? null;
      const known = rows.map((r) => r.connection_degree).filter((d): d is number => d !== null);
      const degree = k.connection_degree ?? (known.length ? Math.min(...known) : null);
      return {
        contactId: k.id,
        fullName: k.full_name,
        companyName: k.company_name,
        email: k.email,
        emailStatus: k.email_status,
        linkedinUrl: k.linkedin,
        person: {
          rows: rows.map((r) => ({
            global_status: r.global_status,
            status: r.status,
            eligible_for_outreach: r.eligible_for_outreach,
            connection_degree: r.connection_degree,
          })),
          lastTouchAt: last,
        },
        inCampaign: enrolledHere.has(k.id),
        activeElsewhere: other,
        connectionDegree: degree,
      };
    });
    return { campaign, candidates };
  },

  /**
   * Enrols contacts (status `queued`, planned from `now`), skipping any already enrolled, and
   * refreshes the campaign's totals. Refuses a completed or cancelled campaign. Returns how many
   * were added.
   */
  async enroll(db: DbOrTrx, campaignId: string, contactIds: readonly string[], options: { now?: Date } = {}): Promise<{ added: number }> {
    const now = options.now ?? new Date();
    return inTransaction(db, async (trx) => {
      const campaign = await trx.selectFrom("campaigns").selectAll().where("id", "=", campaignId).forUpdate().executeTakeFirst();
      if (!campaign) throw new ValidationError("campaign", [{ field: "campaign", message: `no campaign ${campaignId}` }]);
      if (campaign.status === "completed" || campaign.status === "cancelled") {
        throw new ValidationError("campaign", [
          { field: "status", message: `the campaign is ${campaign.status}: contacts cannot join it` },
        ]);
      }
      const steps = SchedulingConfig.safeParse(campaign.scheduling_config);
      let added = 0;
      for (const part of chunks(contactIds)) {
        const rows = await trx
          .insertInto("campaign_contacts")
          .values(
            part.map((id) => ({
              campaign_id: campaignId,
              contact_id: id,
              status: "queued" as const,
              added_at: now,
              max_step: steps.success ? steps.data.steps.length : null,
            })),
          )
          .onConflict((oc) => oc.columns(["campaign_id", "contact_id"]).doNothing())
          .returning("id")
          .execute();
        added += rows.length;
      }
      await sql`SELECT update_campaign_metrics(${campaignId}::uuid)`.execute(trx);
      return { added };
    });
  },

  /**
   * What a launch check reads: the campaign, its offer, its accounts (and ids that no longer
   * exist), approved templates, and how many contacts are still in a sequence.
   */
  async launchContext(db: DbOrTrx, ref: string): Promise<LaunchContext> {
    const campaign = await requireCampaign(db, ref);
    const offer = (await offers.get(db, campaign.offer_id))!;
    const ids = campaignAccountIds(campaign);
    const accountRows = ids.length ? await db.selectFrom("accounts").selectAll().where("id", "in", ids).execute() : [];
    const templates = await db
      .selectFrom("message_templates")
      .selectAll()
      .where("offer_id", "=", campaign.offer_id)
      .where("status", "=", "approved")
      .where((eb) => eb.or([eb("campaign_id", "is", null), eb("campaign_id", "=", campaign.id)]))
      .orderBy("created_at")
      .execute();
    const contacts = await db
      .selectFrom("campaign_contacts")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("campaign_id", "=", campaign.id)
      .where("status", "in", [...RUNNING_CC])
      .executeTakeFirstOrThrow();
    return {
      campaign,
      offer,
      accounts: accountRows,
      missingAccountIds: ids.filter((id) => !accountRows.some((a) => a.id === id)),
      templates,
      contacts: contacts.n,
    };
  },

  /**
   * {@link launchContext} of many campaigns at once (the dashboard's overview checks every active
   * campaign), set-based: not five queries per campaign.
   * Ids that are no campaign are left out of the map. Five queries whatever the number.
   */
  async launchContexts(db: DbOrTrx, campaignIds: readonly string[]): Promise<Map<string, LaunchContext>> {
    const out = new Map<string, LaunchContext>();
    const valid = campaignIds.filter((id) => isUuid(id));
    if (valid.length === 0) return out;
    const rows = await db.selectFrom("campaigns").selectAll().where("id", "in", valid).execute();
    if (rows.length === 0) return out;
    const accountIds = [...new Set(rows.flatMap((r) => campaignAccountIds(r)))];
    const offerIds = [...new Set(rows.map((r) => r.offer_id))];
    const ids = rows.map((r) => r.id);
    const [offerRows, accountRows, templates, counts] = await Promise.all([
      db.selectFrom("offers").selectAll().where("id", "in", offerIds).execute(),
      accountIds.length ? db.selectFrom("accounts").selectAll().where("id", "in", accountIds).execute() : Promise.resolve([]),
      db
        .selectFrom("message_templates")
        .selectAll()
        .where("offer_id", "in", offerIds)
        .where("status", "=", "approved")
        .where((eb) => eb.or([eb("campaign_id", "is", null), eb("campaign_id", "in", ids)]))
        .orderBy("created_at")
        .execute(),
      db
        .selectFrom("campaign_contacts")
        .select(["campaign_id", sql<number>`count(*)::int`.as("n")])
        .where("campaign_id", "in", ids)
        .where("status", "in", [...RUNNING_CC])
        .groupBy("campaign_id")
        .execute(),
    ]);
    for (const campaign of rows) {
      const named = campaignAccountIds(campaign);
      const accounts = accountRows.filter((a) => named.includes(a.id));
      out.set(campaign.id, {
        campaign,
        offer: offerRows.find((o) => o.id === campaign.offer_id)!,
        accounts,
        missingAccountIds: named.filter((id) => !accounts.some((a) => a.id === id)),
        templates: templates.filter((t) => t.offer_id === campaign.offer_id && (t.campaign_id === null || t.campaign_id === campaign.id)),
        contacts: counts.find((c) => c.campaign_id === campaign.id)?.n ?? 0,
      });
    }
    return out;
  },

  /**
   * Launches (or resumes) a campaign: binds the given offer templates to campaign steps, sets the
   * campaign `active` (by its lifecycle) and its offer `active` when it was `draft` or `ready`, in
   * one transaction. The caller checks readiness first (the scheduler's `checkLaunch`).
   */
  async launch(
    db: DbOrTrx,
    campaignId: string,
    bindings: readonly { templateId: string; step: number }[] = [],
  ): Promise<{ campaign: Campaign; previous: CampaignStatus; offerActivated: boolean; bound: number }> {
    return inTransaction(db, async (trx) => {
      const current = await trx.selectFrom("campaigns").selectAll().where("id", "=", campaignId).forUpdate().executeTakeFirst();
      if (!current) throw new ValidationError("campaign", [{ field: "campaign", message: `no campaign ${campaignId}` }]);
      const problem = statusChangeProblem("campaign", current.status, "active");
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      for (const b of bindings) await messageTemplates.bindToCampaign(trx, { templateId: b.templateId, campaignId, step: b.step });
      const campaign = await trx
        .updateTable("campaigns")
        .set({ status: "active" })
        .where("id", "=", campaignId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const offerActivated = await offers.activateForLaunch(trx, current.offer_id);
      return { campaign, previous: current.status, offerActivated, bound: bindings.length };
    });
  },

  /**
   * The `ready` transition: a campaign never launched is `ready` exactly when its launch checks
   * pass (the caller ran them, `checkLaunch`): `draft → ready` when `passes`, `ready → draft` when
   * not. Any other status is left alone. Returns the status before and after.
   */
  async markReadiness(db: DbOrTrx, campaignId: string, passes: boolean): Promise<{ previous: CampaignStatus; status: CampaignStatus }> {
    return inTransaction(db, async (trx) => {
      const current = await trx.selectFrom("campaigns").select("status").where("id", "=", campaignId).forUpdate().executeTakeFirst();
      if (!current) throw new ValidationError("campaign", [{ field: "campaign", message: `no campaign ${campaignId}` }]);
      const from = passes ? "draft" : "ready";
      if (current.status !== from) return { previous: current.status, status: current.status };
      const to = passes ? "ready" : "draft";
      await trx.updateTable("campaigns").set({ status: to }).where("id", "=", campaignId).where("status", "=", from).execute();
      return { previous: current.status, status: to };
    });
  },

  /** Pauses an active campaign or resumes a paused one (by the lifecycle); sends wait while paused. */
  async setStatus(
    db: DbOrTrx,
    ref: string,
    status: "paused" | "active" | "completed",
  ): Promise<{ campaign: Campaign; previous: CampaignStatus }> {
    return inTransaction(db, async (trx) => {
      const current = await requireCampaign(trx, ref);
      const problem = statusChangeProblem("campaign", current.status, status);
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      const campaign = await trx
        .updateTable("campaigns")
        .set({ status })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { campaign, previous: current.status };
    });
  },

  /**
   * Changes a campaign's send window, days, time zone or accounts, live or not, with the checks of
   * `create` (`sendWindowIssues`, the accounts against the channel and the schedule); every
   * problem is reported at once and nothing is written then. In the same transaction, so it takes
   * effect for every send not yet claimed: queue rows of an account taken off the campaign that
   * are not yet claimed are cancelled (`sender_unavailable`: their copy was rendered for that
   * sender, and another account is not connected to the person), and rows waiting for the old
   * window to open are brought forward to `now`, for the claim to judge them by the new window
   * (rows `options.reroute` moves to a remaining account first are not cancelled)
   * (the claim checks the window and the campaign's accounts again). A send already claimed
   * finishes (its attempt is fenced). Refuses a completed or cancelled campaign.
   */
  async changeSettings(
    db: DbOrTrx,
    ref: string,
    patch: CampaignSettingsPatch,
    options: {
      now?: Date;
      /**
       * Called in the transaction, after the campaign's accounts changed and before the rows of
       * the removed accounts are cancelled, with those accounts: it may move rows (and re-pin
       * contacts) to a remaining account; it returns how many rows it moved. The rows it leaves
       * are cancelled. (The operations layer passes it: choosing a sender and rendering the copy
       * again are not the database's.)
       */
      reroute?: (trx: DbOrTrx, campaign: Campaign, removedIds: readonly string[]) => Promise<number>;
    } = {},
  ): Promise<CampaignSettingsChange> {
    const now = options.now ?? new Date();
    return inTransaction(db, async (trx) => {
      const found = await requireCampaign(trx, ref);
      const current = await trx.selectFrom("campaigns").selectAll().where("id", "=", found.id).forUpdate().executeTakeFirstOrThrow();
      if (current.status === "completed" || current.status === "cancelled") {
        throw new ValidationError("campaign", [{ field: "status", message: `the campaign is ${current.status}: it cannot be edited` }]);
      }
      const keys = (["send_window_start", "send_window_end", "send_days", "timezone", "accounts", "daily_send_cap"] as const).filter(
        (k) => patch[k] !== undefined,
      );
      if (keys.length === 0) {
        throw new ValidationError("campaign", [
          { field: "(input)", message: "nothing to change: give a window, days, a time zone, accounts or a daily cap" },
        ]);
      }
      const window: CampaignWindowFields = {
        send_window_start: patch.send_window_start ?? current.send_window_start,
        send_window_end: patch.send_window_end ?? current.send_window_end,
        send_days: patch.send_days ?? current.send_days,
        timezone: patch.timezone ?? current.timezone,
      };
      const issues = sendWindowIssues(window);
      const capIssue = dailySendCapIssue(patch.daily_send_cap);
      if (capIssue) issues.push(capIssue);
      let accountsSet: { account_id: string | null; account_ids: AccountIds } | null = null;
      if (patch.accounts !== undefined) {
        const schedule = SchedulingConfig.safeParse(current.scheduling_config);
        const accountRows = await resolveCampaignAccounts(trx, patch.accounts, issues);
        const accountIds = checkCampaignAccounts(accountRows, current.channel, schedule.success ? schedule.data : null, issues);
        if (accountIds) {
          const single = current.channel !== "multi" && accountRows.length === 1 ? accountRows[0]!.id : null;
          accountsSet = { account_id: single, account_ids: accountIds };
        }
      }
      if (issues.length) throw new ValidationError(`campaign ${current.campaign_slug ?? current.id}`, issues);

      const campaign = await trx
        .updateTable("campaigns")
        .set({
          ...(patch.send_window_start !== undefined ? { send_window_start: window.send_window_start! } : {}),
          ...(patch.send_window_end !== undefined ? { send_window_end: window.send_window_end! } : {}),
          ...(patch.send_days !== undefined ? { send_days: window.send_days! } : {}),
          ...(patch.timezone !== undefined ? { timezone: window.timezone! } : {}),
          ...(accountsSet ? { account_id: accountsSet.account_id, account_ids: jsonb(accountsSet.account_ids) } : {}),
          ...(patch.daily_send_cap !== undefined ? { daily_send_cap: patch.daily_send_cap } : {}),
        })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();

      const changed: string[] = [];
      for (const k of ["send_window_start", "send_window_end", "send_days", "timezone"] as const) {
        const a = current[k];
        const b = campaign[k];
        if (Array.isArray(a) && Array.isArray(b) ? a.join(",") !== b.join(",") : secondsOrText(String(a)) !== secondsOrText(String(b)))
          changed.push(k);
      }
      const before = campaignAccountIds(current);
      const after = new Set(campaignAccountIds(campaign));
      const removedIds = before.filter((id) => !after.has(id));
      if (removedIds.length || before.length !== after.size) changed.push("accounts");
      if (current.daily_send_cap !== campaign.daily_send_cap) changed.push("daily_send_cap");
      const removedAccounts = (current.account_ids ?? []).filter((a) => removedIds.includes(a.id));
      for (const id of removedIds) if (!removedAccounts.some((a) => a.id === id)) removedAccounts.push({ id, name: id, type: "email" });

      const queueMoved = removedIds.length && options.reroute ? await options.reroute(trx, campaign, removedIds) : 0;
      const queueCancelled = await sendQueue.cancelRowsOfAccounts(trx, current.id, removedIds, {
        reason: "sender_unavailable",
        detail: "its account was taken off the campaign",
        at: now,
      });
      // A new window (or zone) judges the rows waiting for the old one again; a new cap (or zone,
      // which moves the campaign's day) those waiting for the cap's next day.
      const rejudge: ("window_closed" | "campaign_daily_cap")[] = [];
      if (changed.some((k) => k !== "accounts" && k !== "daily_send_cap")) rejudge.push("window_closed");
      if (changed.includes("daily_send_cap") || changed.includes("timezone")) rejudge.push("campaign_daily_cap");
      const queueRetimed = await sendQueue.rejudgeWindow(trx, current.id, now, rejudge);
      // The send path counts a campaign's sends only while it has a cap: a cap set (or a zone
      // changed) mid-day starts from the day's sends so far, every attempt that may have reached
      // the provider (claimed, sending, sent, unknown, undetermined) since the local midnight.
      if (campaign.daily_send_cap !== null && (changed.includes("daily_send_cap") || changed.includes("timezone"))) {
        await sql`
          INSERT INTO campaign_usage AS u (campaign_id, day, sent)
          SELECT ${campaign.id}::uuid, d.day, (
            SELECT count(*)::int FROM send_attempts a JOIN send_queue q ON q.id = a.send_queue_id
            WHERE q.campaign_id = ${campaign.id}::uuid
              AND a.status IN ('claimed', 'sending', 'sent', 'unknown', 'undetermined')
              AND a.created_at >= (d.day::timestamp AT TIME ZONE ${campaign.timezone}))
          FROM (SELECT (${now}::timestamptz AT TIME ZONE ${campaign.timezone})::date AS day) d
          ON CONFLICT (campaign_id, day) DO UPDATE SET sent = GREATEST(u.sent, EXCLUDED.sent)`.execute(trx);
      }
      let contactsStranded = 0;
      if (removedIds.length) {
        const stranded = await trx
          .selectFrom("campaign_contacts")
          .select(sql<number>`count(*)::int`.as("n"))
          .where("campaign_id", "=", current.id)
          .where("status", "in", [...RUNNING_CC])
          .where((eb) => eb.or([eb("email_account_id", "in", removedIds), eb("linkedin_account_id", "in", removedIds)]))
          .executeTakeFirstOrThrow();
        contactsStranded = stranded.n;
      }
      return { campaign, previous: current, changed, removedAccounts, queueCancelled, queueMoved, queueRetimed, contactsStranded };
    });
  },

  /**
   * Cancels a campaign for good, in one transaction: status `cancelled`; queue rows not yet
   * claimed are cancelled (`defer_reason` `campaign_not_active`) with their planned messages
   * marked failed and a `skipped` event each, and the sequences of its contacts end
   * (`stop_reason` `campaign_cancelled`). A send already in flight finishes (its attempt is fenced);
   * nothing new starts. Returns the counts.
   */
  async cancel(
    db: DbOrTrx,
    ref: string,
    options: { now?: Date } = {},
  ): Promise<{ campaign: Campaign; previous: CampaignStatus; queueCancelled: number; sequencesStopped: number }> {
    const now = options.now ?? new Date();
    return inTransaction(db, async (trx) => {
      const current = await requireCampaign(trx, ref);
      const problem = statusChangeProblem("campaign", current.status, "cancelled");
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      const campaign = await trx
        .updateTable("campaigns")
        .set({ status: "cancelled" })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const queueCancelled = await sendQueue.cancelCampaign(trx, current.id, {
        reason: "campaign_not_active",
        detail: "campaign cancelled",
        at: now,
      });
      const stopped = await trx
        .updateTable("campaign_contacts")
        .set({ next_step_at: null, stop_reason: "campaign_cancelled" })
        .where("campaign_id", "=", current.id)
        .where("status", "in", [...RUNNING_CC])
        .returning("id")
        .execute();
      return { campaign, previous: current.status, queueCancelled, sequencesStopped: stopped.length };
    });
  },

  /**
   * What a forecast reads: the campaign, its accounts, and where each contact still in a sequence
   * stands (step, touches, when the last step went, connected). Contacts paused for a human
   * (missing template, lint) are counted apart: they wait until someone acts.
   */
  async forecastContext(db: DbOrTrx, ref: string) {
    const campaign = await requireCampaign(db, ref);
    const ids = campaignAccountIds(campaign);
    const accountRows = ids.length ? await db.selectFrom("accounts").selectAll().where("id", "in", ids).execute() : [];
    const rows = await db
      .selectFrom("campaign_contacts as cc")
      .innerJoin("contacts as ct", "ct.id", "cc.contact_id")
      .select(["cc.status", "cc.current_step", "cc.touches", "cc.last_step_at", "cc.added_at", "cc.connected_at", "ct.connection_degree"])
      .where("cc.campaign_id", "=", campaign.id)
      .where("cc.status", "in", [...RUNNING_CC])
      .execute();
    const contacts = rows
      .filter((r) => r.status !== "paused")
      .map((r) => ({
        currentStep: r.current_step,
        touches: r.touches,
        lastStepAt: r.last_step_at ?? r.added_at,
        connected: r.connected_at !== null || r.connection_degree === 1,
      }));
    return { campaign, accounts: accountRows, contacts, paused: rows.length - contacts.length };
  },
};
