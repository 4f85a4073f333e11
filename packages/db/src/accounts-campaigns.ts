/**
 * What a person does to sending accounts and campaigns: account status, limits, warming and sync
 * from the provider; campaign creation (slug, accounts, target criteria, schedule), enrolment
 * candidates and enrolment, launch, pause, resume, cancel, and the facts a forecast reads.
 *
 * Rules live in `@offerlab/core` (lifecycles, default schedules, slugs) and the scheduler's engine
 * (eligibility, launch checks, forecast); these functions read and write, and validate input
 * before writing anything (a ValidationError names each wrong field).
 */
import {
  AccountIds,
  CampaignChannel,
  CampaignType,
  SchedulingConfig,
  TargetCriteria,
  ValidationError,
  campaignSlug,
  defaultSchedulingConfig,
  normalizeEmail,
  normalizeLinkedInUrl,
  schedulingStepChannel,
  statusChangeProblem,
  toFieldIssues,
  type AccountRef,
  type AccountStatus,
  type CampaignStatus,
  type EmailStatus,
  type FieldIssue,
  type GlobalContactStatus,
} from "@offerlab/core";
import { sql, type Kysely } from "kysely";
import type { Database } from "./database.generated.js";
import { accounts, campaigns, NotFoundError, offers, resolve, type Account, type Campaign, type DbOrTrx, type Offer } from "./repositories.js";

const DAY_MS = 86_400_000;

async function inTransaction<T>(db: DbOrTrx, run: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  if ("isTransaction" in db && db.isTransaction) return run(db);
  return (db as Kysely<Database>).transaction().execute(run);
}

function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// accounts
// ---------------------------------------------------------------------------------------------

/** Daily and hourly limits of an account, as `accountAdmin.setLimits` accepts them. */
export interface AccountLimitsPatch {
  daily_limit_connections?: number;
  daily_limit_messages?: number;
  daily_limit_emails?: number;
  hourly_limit?: number;
}

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
        const hint = current.status === "disconnected" || current.status === "banned" ? " (re-connect it at Unipile, then run `offerlab accounts sync`)" : "";
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

  /** Sets any of an account's daily and hourly limits (whole numbers from 0 to 10 000). */
  async setLimits(db: DbOrTrx, ref: string, limits: AccountLimitsPatch): Promise<{ account: Account; previous: Account }> {
    const issues: FieldIssue[] = [];
    const set: AccountLimitsPatch = {};
    for (const key of ["daily_limit_connections", "daily_limit_messages", "daily_limit_emails", "hourly_limit"] as const) {
      const v = limits[key];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v < 0 || v > MAX_ACCOUNT_LIMIT) issues.push({ field: key, message: `must be a whole number from 0 to ${MAX_ACCOUNT_LIMIT} (got ${v})` });
      else set[key] = v;
    }
    if (issues.length) throw new ValidationError("account limits", issues);
    if (Object.keys(set).length === 0) throw new ValidationError("account limits", [{ field: "(input)", message: "nothing to change: pass at least one limit" }]);
    return inTransaction(db, async (trx) => {
      const previous = await accountAdmin.find(trx, ref);
      const account = await trx.updateTable("accounts").set(set).where("id", "=", previous.id).returningAll().executeTakeFirstOrThrow();
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
        throw new ValidationError("warming", [{ field: "status", message: `the account is ${current.status}; re-connect it at Unipile and run \`offerlab accounts sync\` first` }]);
      }
      return trx
        .updateTable("accounts")
        .set({
          warming_week: week,
          warming_started_at: new Date(now.getTime() - (week - 1) * 7 * DAY_MS),
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
    return db.updateTable("accounts").set({ warming_week: 0, warming_started_at: null }).where("id", "=", current.id).returningAll().executeTakeFirstOrThrow();
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
            details.push(same.unipile_account_id ? `re-linked from ${same.unipile_account_id} (no longer listed) to the provider account ${r.id}` : `linked to the provider account ${r.id}`);
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
          await trx.updateTable("accounts").set(set as never).where("id", "=", mine.id).execute();
        }
        changes.push({ action, name: mine.name, type: mine.type, remoteId: r.id, accountId: mine.id, detail: details.join("; ") || `unchanged (${mine.status})` });
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
          detail: gone ? `no longer listed by the provider (was ${a.status}): disconnected` : `no longer listed by the provider (${a.status})`,
        });
      }
      return changes;
    };
    return inTransaction(db, run);
  },
};

// ---------------------------------------------------------------------------------------------
// campaigns
// ---------------------------------------------------------------------------------------------

/** What `campaignAdmin.create` accepts. */
export interface CampaignCreateRequest {
  /** The offer's id or slug. */
  offer: string;
  /** The campaign's name, for people (the slug is built from the parts below). */
  name: string;
  /** `email`, `linkedin` or `multi`. */
  channel: string;
  /** Default `cold_outreach`. */
  campaign_type?: string;
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
}

/** Campaign-contact statuses still in a sequence. */
const RUNNING_CC = ["queued", "in_progress", "waiting", "paused"] as const;

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
        eb.selectFrom("campaign_contacts as cc").select(sql<number>`count(*)::int`.as("n")).whereRef("cc.campaign_id", "=", "c.id").as("enrolled"),
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
    if (!channel.success) issues.push({ field: "channel", message: `must be one of ${CampaignChannel.options.join(", ")} (got "${req.channel}")` });
    const type = CampaignType.safeParse(req.campaign_type ?? "cold_outreach");
    if (!type.success) issues.push({ field: "campaign_type", message: `must be one of ${CampaignType.options.join(", ")} (got "${req.campaign_type}")` });
    if (!req.name || req.name.trim() === "") issues.push({ field: "name", message: "is required" });

    const refs: AccountRef[] = [];
    const found: Account[] = [];
    if (req.accounts.length === 0) issues.push({ field: "accounts", message: "name at least one sending account (see `offerlab accounts list`)" });
    for (const ref of req.accounts) {
      try {
        const a = await accountAdmin.find(db, ref);
        if (!found.some((f) => f.id === a.id)) {
          found.push(a);
          refs.push({ id: a.id, name: a.name, type: a.type });
        }
      } catch (error) {
        if (!NotFoundError.isInstance(error)) throw error;
        issues.push({ field: "accounts", message: error.message });
      }
    }

    let criteria: TargetCriteria | undefined;
    const rawCriteria = { ...((req.target_criteria as Record<string, unknown> | undefined) ?? {}) };
    const signal = slugPart("target_criteria.signal", req.signal ?? (rawCriteria.signal as string | undefined), issues, "the signal targeted");
    const icp = slugPart("target_criteria.icp_target", req.icp_target ?? (rawCriteria.icp_target as string | undefined), issues, "the ICP segment");
    const parsedCriteria = TargetCriteria.safeParse({ ...rawCriteria, ...(signal ? { signal } : {}), ...(icp ? { icp_target: icp } : {}) });
    if (parsedCriteria.success) criteria = parsedCriteria.data;
    else issues.push(...toFieldIssues(parsedCriteria.error).map((i) => ({ field: `target_criteria.${i.field}`, message: i.message })));

    let schedule: SchedulingConfig | undefined;
    if (req.scheduling_config !== undefined) {
      const parsed = SchedulingConfig.safeParse(req.scheduling_config);
      if (parsed.success) schedule = parsed.data;
      else issues.push(...toFieldIssues(parsed.error).map((i) => ({ field: `scheduling_config.${i.field}`, message: i.message })));
    } else if (channel.success) {
      schedule = defaultSchedulingConfig(channel.data, offer?.email_templates);
    }
    if (schedule && channel.success) {
      const stepTypes = new Set(schedule.steps.map((s) => (schedulingStepChannel[s.type] === "email" ? "email" : "linkedin")));
      if (channel.data !== "multi") {
        for (const t of stepTypes) {
          if (t !== channel.data) issues.push({ field: "scheduling_config", message: `a ${channel.data} campaign cannot have ${t} steps; use channel multi` });
        }
      }
      for (const t of stepTypes) {
        if (found.length > 0 && !found.some((a) => a.type === t)) {
          issues.push({ field: "accounts", message: `the schedule has ${t} steps but no ${t} account is given` });
        }
      }
    }
    const accountIds = AccountIds.safeParse(refs);
    if (!accountIds.success) issues.push(...toFieldIssues(accountIds.error).map((i) => ({ field: `accounts.${i.field}`, message: i.message })));

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
      account_ids: accountIds.data,
      campaign_slug: slug,
      target_criteria: criteria,
      scheduling_config: schedule,
      status: "draft",
      ...(req.send_window_start !== undefined ? { send_window_start: req.send_window_start } : {}),
      ...(req.send_window_end !== undefined ? { send_window_end: req.send_window_end } : {}),
      ...(req.send_days !== undefined ? { send_days: req.send_days } : {}),
      ...(req.timezone !== undefined ? { timezone: req.timezone } : {}),
    });
  },

  /**
   * The contacts of the campaign's offer its target criteria match, best fit first, each with the
   * person's rows across every offer, our last touch of the person (outreach_history, across
   * every offer), whether they are already enrolled here and in which unfinished campaign elsewhere.
   */
  async candidates(db: DbOrTrx, campaignRef: string): Promise<{ campaign: Campaign; candidates: CampaignCandidate[] }> {
    const campaign = await requireCampaign(db, campaignRef);
    const criteria = campaign.target_criteria ?? {};
    let q = db
      .selectFrom("contacts as ct")
      .innerJoin("companies as co", "co.id", "ct.company_id")
      .select(["ct.id", "ct.full_name", "ct.email", "ct.email_status", "ct.linkedin_url", "co.name as company_name"])
      .where("ct.offer_id", "=", campaign.offer_id);
    if (criteria.company_status?.length) q = q.where("co.status", "in", criteria.company_status);
    // People the pipeline parked (`skip`: low buyer fit, no usable address …) are left out unless
    // the criteria ask for that status by name.
    if (criteria.contact_status?.length) q = q.where("ct.status", "in", criteria.contact_status);
    else q = q.where("ct.status", "<>", "skip");
    if (criteria.min_fit_score !== undefined) q = q.where("co.fit_score", ">=", criteria.min_fit_score);
    if (criteria.connection_degrees?.length) q = q.where("ct.connection_degree", "in", criteria.connection_degrees);
    if (criteria.exclude_1st_degree) q = q.where((eb) => eb.or([eb("ct.connection_degree", "is", null), eb("ct.connection_degree", "<>", 1)]));
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

    type PersonRow = { id: string; email: string | null; linkedin_url: string | null; global_status: GlobalContactStatus; status: string; eligible_for_outreach: boolean; connection_degree: number | null };
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
    await load("id", keyed.filter((k) => !personRows.has(k.id)).map((k) => k.id));

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
      const rows = await db.selectFrom("outreach_history").select(["contact_id", sql<Date>`max(sent_at)`.as("last")]).where("contact_id", "in", part).groupBy("contact_id").execute();
      for (const r of rows) later(touchByContact, r.contact_id, r.last);
    }
    for (const part of chunks(emails)) {
      const rows = await db.selectFrom("outreach_history").select(["contact_email", sql<Date>`max(sent_at)`.as("last")]).where("contact_email", "in", part).groupBy("contact_email").execute();
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

    const enrolledHere = new Set((await db.selectFrom("campaign_contacts").select("contact_id").where("campaign_id", "=", campaign.id).execute()).map((r) => r.contact_id));
    const elsewhere = new Map<string, string>();
    for (const part of chunks(rowIds)) {
      const rows = await db
        .selectFrom("campaign_contacts as cc")
        .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
        .select(["cc.contact_id", "c.name"])
        .where("cc.contact_id", "in", part)
        .where("cc.campaign_id", "<>", campaign.id)
        .where("cc.status", "in", [...RUNNING_CC])
        .where("c.status", "in", ["draft", "ready", "active", "paused"])
        .execute();
      for (const r of rows) elsewhere.set(r.contact_id, r.name);
    }

    const all = [...personRows.values()];
    const candidates = keyed.map((k): CampaignCandidate => {
      const rows = all.filter((r) => r.id === k.id || (k.email !== null && r.email === k.email) || (k.linkedin !== null && r.linkedin_url === k.linkedin));
      let last: Date | null = null;
      const consider = (d: Date | undefined) => {
        if (d && (!last || d > last)) last = d;
      };
      for (const r of rows) consider(touchByContact.get(r.id));
      if (k.email) consider(touchByEmail.get(k.email));
      if (k.linkedin) consider(touchByLinkedIn.get(k.linkedin));
      const other = rows.map((r) => elsewhere.get(r.id)).find((n) => n !== undefined) ?? null;
      return {
        contactId: k.id,
        fullName: k.full_name,
        companyName: k.company_name,
        email: k.email,
        emailStatus: k.email_status,
        linkedinUrl: k.linkedin,
        person: {
          rows: rows.map((r) => ({ global_status: r.global_status, status: r.status, eligible_for_outreach: r.eligible_for_outreach, connection_degree: r.connection_degree })),
          lastTouchAt: last,
        },
        inCampaign: enrolledHere.has(k.id),
        activeElsewhere: other,
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
        throw new ValidationError("campaign", [{ field: "status", message: `the campaign is ${campaign.status}: contacts cannot join it` }]);
      }
      const steps = SchedulingConfig.safeParse(campaign.scheduling_config);
      let added = 0;
      for (const part of chunks(contactIds)) {
        const rows = await trx
          .insertInto("campaign_contacts")
          .values(part.map((id) => ({ campaign_id: campaignId, contact_id: id, status: "queued" as const, added_at: now, max_step: steps.success ? steps.data.steps.length : null })))
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
  async launchContext(db: DbOrTrx, ref: string) {
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
   * Launches (or resumes) a campaign: binds the given offer templates to campaign steps, sets the
   * campaign `active` (by its lifecycle) and its offer `active` when it was `draft` or `ready`, in
   * one transaction. The caller checks readiness first (the scheduler's `checkLaunch`).
   */
  async launch(db: DbOrTrx, campaignId: string, bindings: readonly { templateId: string; step: number }[] = []): Promise<{ campaign: Campaign; previous: CampaignStatus; offerActivated: boolean; bound: number }> {
    return inTransaction(db, async (trx) => {
      const current = await trx.selectFrom("campaigns").selectAll().where("id", "=", campaignId).forUpdate().executeTakeFirst();
      if (!current) throw new ValidationError("campaign", [{ field: "campaign", message: `no campaign ${campaignId}` }]);
      const problem = statusChangeProblem("campaign", current.status, "active");
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      for (const b of bindings) {
        const source = await trx.selectFrom("message_templates").selectAll().where("id", "=", b.templateId).executeTakeFirstOrThrow();
        await trx
          .insertInto("message_templates")
          .values({
            offer_id: source.offer_id,
            campaign_id: campaignId,
            name: `${source.name} (campaign step ${b.step})`,
            channel: source.channel,
            sequence_step: b.step,
            template_key: source.template_key,
            subject: source.subject,
            body: source.body,
            status: "approved",
          })
          .execute();
      }
      const campaign = await trx.updateTable("campaigns").set({ status: "active" }).where("id", "=", campaignId).returningAll().executeTakeFirstOrThrow();
      const offer = await trx
        .updateTable("offers")
        .set({ status: "active" })
        .where("id", "=", current.offer_id)
        .where("status", "in", ["draft", "ready", "paused"])
        .returning("id")
        .executeTakeFirst();
      return { campaign, previous: current.status, offerActivated: offer !== undefined, bound: bindings.length };
    });
  },

  /** Pauses an active campaign or resumes a paused one (by the lifecycle); sends wait while paused. */
  async setStatus(db: DbOrTrx, ref: string, status: "paused" | "active" | "completed"): Promise<{ campaign: Campaign; previous: CampaignStatus }> {
    return inTransaction(db, async (trx) => {
      const current = await requireCampaign(trx, ref);
      const problem = statusChangeProblem("campaign", current.status, status);
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      const campaign = await trx.updateTable("campaigns").set({ status }).where("id", "=", current.id).returningAll().executeTakeFirstOrThrow();
      return { campaign, previous: current.status };
    });
  },

  /**
   * Cancels a campaign for good, in one transaction: status `cancelled`; queue rows not yet
   * claimed are cancelled (`defer_reason` `campaign_not_active`) with their planned messages
   * marked failed and a `skipped` event each, and the sequences of its contacts end
   * (`stop_reason` `campaign_cancelled`). A send already in flight finishes (its attempt is fenced);
   * nothing new starts. Returns the counts.
   */
  async cancel(db: DbOrTrx, ref: string, options: { now?: Date } = {}): Promise<{ campaign: Campaign; previous: CampaignStatus; queueCancelled: number; sequencesStopped: number }> {
    const now = options.now ?? new Date();
    return inTransaction(db, async (trx) => {
      const current = await requireCampaign(trx, ref);
      const problem = statusChangeProblem("campaign", current.status, "cancelled");
      if (problem) throw new ValidationError("campaign", [{ field: "status", message: problem }]);
      const campaign = await trx.updateTable("campaigns").set({ status: "cancelled" }).where("id", "=", current.id).returningAll().executeTakeFirstOrThrow();
      const rows = await trx
        .updateTable("send_queue")
        .set({ status: "cancelled", defer_reason: "campaign_not_active", last_error: "campaign cancelled", ended_at: now })
        .where("campaign_id", "=", current.id)
        .where("status", "in", ["pending", "scheduled"])
        .returning(["id", "contact_id", "account_id"])
        .execute();
      if (rows.length) {
        await trx
          .updateTable("messages")
          .set({ status: "failed", error_message: "not sent: campaign cancelled" })
          .where("send_queue_id", "in", rows.map((r) => r.id))
          .where("status", "in", ["pending", "queued"])
          .execute();
        for (const part of chunks(rows)) {
          await trx
            .insertInto("message_events")
            .values(
              part.map((r) => ({
                send_queue_id: r.id,
                contact_id: r.contact_id,
                campaign_id: current.id,
                account_id: r.account_id,
                event_type: "skipped" as const,
                event_data: sql`CAST(CAST(${JSON.stringify({ reason: "campaign_not_active", detail: "campaign cancelled", at: now.toISOString() })} AS text) AS jsonb)` as never,
                created_at: now,
              })),
            )
            .execute();
        }
      }
      const stopped = await trx
        .updateTable("campaign_contacts")
        .set({ next_step_at: null, stop_reason: "campaign_cancelled" })
        .where("campaign_id", "=", current.id)
        .where("status", "in", [...RUNNING_CC])
        .returning("id")
        .execute();
      return { campaign, previous: current.status, queueCancelled: rows.length, sequencesStopped: stopped.length };
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
