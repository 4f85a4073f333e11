/**
 * The planner: turns due campaign contacts into rendered `messages` + `send_queue` rows, a batch
 * of contacts per transaction (a fixed set of statements per batch, not a dozen per contact). The engine decides what comes next (conditions, delays, stop rules); copy renders and
 * lints (only approved templates, invariant 6); the unique key (campaign_contact_id,
 * sequence_step) makes planning the same step twice impossible, whoever runs the planner.
 */
import { renderForSend, type MessageTemplate } from "@offerlab/copy";
import { channelActionType, SchedulingConfig, schedulingStepChannel, type MessageActionType, type MessageChannel } from "@offerlab/core";
import { campaignContacts, campaigns, contacts, experiments, sendQueue, type CampaignContactPlanUpdate, type Database } from "@offerlab/db";
import { sql, type Insertable, type Selectable, type Transaction } from "kysely";
import {
  accountTypeFor,
  chooseAccount,
  effectiveLimits,
  planNextStep,
  sendBlock,
  windowFromCampaign,
  type CandidateAccount,
  type SequenceProgress,
} from "../engine/index.js";
import { DEFAULT_MAX_JITTER_MINUTES, jitteredSendTime } from "../engine/jitter.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, contactKey, sendKey } from "./context.js";
import { enqueueMany } from "./queue.js";
import { readUsageMany } from "./quota.js";
import type { SendPathOptions } from "./types.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PlanOptions extends Pick<SendPathOptions, "db" | "now" | "random"> {
  /** Campaign contacts to plan in this call. Default 500. */
  limit?: number;
  /** Only this campaign. */
  campaignId?: string;
  /** Campaign contacts per batch (one transaction). Default 250. */
  batchSize?: number;
  /** Batches in flight at once, each on its own connection. Default 2. */
  concurrency?: number;
}

export interface PlanSummary {
  /** Steps turned into queue rows. */
  planned: number;
  /** Contacts waiting (delay, condition, no account), by reason. */
  waiting: Record<string, number>;
  /** Steps skipped (condition never met, already connected), by reason. */
  skipped: Record<string, number>;
  /** Sequences that ended, by reason (completed, replied, max_touches, condition_unmet). */
  done: Record<string, number>;
  /** Contacts paused for a human (no approved template, lint failed, bad configuration), by reason. */
  paused: Record<string, number>;
}

type Cc = Selectable<Database["campaign_contacts"]>;
type Campaign = Selectable<Database["campaigns"]>;
type Template = Selectable<Database["message_templates"]>;
type Offer = Selectable<Database["offers"]>;
type Contact = Selectable<Database["contacts"]>;
type Company = Selectable<Database["companies"]>;
type Account = Selectable<Database["accounts"]>;

/** Campaign contacts planned per transaction (one statement set). */
const BATCH = 250;
/** Batches a `planDue` call keeps in flight at once (see {@link planDue}). */
const PLAN_CONCURRENCY = 2;

/**
 * What one `planDue` call reads once instead of once per batch: campaigns (with their parsed
 * scheduling_config), offers and the approved templates of each offer. A change made while a call
 * runs is seen by the next call (the pick itself still reads the campaign's live status).
 */
interface PlanCache {
  campaigns: Map<string, { campaign: Campaign; config: ReturnType<typeof SchedulingConfig.safeParse> }>;
  offers: Map<string, Offer | undefined>;
  /** An offer's approved templates, in the order of precedence (see {@link templatesFor}). */
  templates: Map<string, Template[]>;
}

function newCache(): PlanCache {
  return { campaigns: new Map(), offers: new Map(), templates: new Map() };
}

function bump(map: Record<string, number>, key: string) {
  map[key] = (map[key] ?? 0) + 1;
}

/** The campaign's accounts: `account_id` plus every entry of `account_ids`. */
function campaignAccountIds(c: Campaign): string[] {
  const ids = new Set<string>();
  if (c.account_id) ids.add(c.account_id);
  for (const a of c.account_ids ?? []) ids.add(a.id);
  return [...ids];
}

/**
 * Which copy a step sends, among the approved templates that may send it (`candidates`, in the
 * order of precedence: the campaign's own before the offer's, a template of this step before one
 * for any step, then the oldest, then by name). Only approved templates are ever candidates
 * (invariant 6). Without an assignment it is the first; with one (an experiment's copy arm) it is
 * the assigned template when it is one of the candidates (approved, this step and channel), else
 * the first.
 */
export function chooseTemplate(candidates: readonly Template[], assignment?: CopyAssignment): Template | undefined {
  if (assignment) {
    const chosen = candidates.find((t) => t.id === assignment.templateId);
    if (chosen) return chosen;
  }
  return candidates[0];
}

/** The copy variant a campaign contact is assigned to for one step (an experiment's arm). */
export interface CopyAssignment {
  /** The assigned template (`experiment_arms.template_id`); its name is recorded as `messages.variant`. */
  templateId: string;
}

/** The templates that may send `step` on `channel` in `campaign`, in the order of precedence. */
function templatesFor(all: readonly Template[], campaign: Campaign, channel: MessageChannel, step: number): Template[] {
  // `all` is in the order of precedence already (see loadTemplates): filtering keeps it.
  return all.filter(
    (t) =>
      t.channel === channel &&
      (t.campaign_id === campaign.id || t.campaign_id === null) &&
      (t.sequence_step === step || t.sequence_step === null),
  );
}

/** One write to a campaign contact; an absent field is left as it is. */
type CcUpdate = CampaignContactPlanUpdate;

/** A queue row to insert (its message repeats these fields). */
interface QueueDraft {
  campaign_id: string;
  campaign_contact_id: string;
  contact_id: string;
  account_id: string;
  channel: MessageChannel;
  action_type: MessageActionType;
  sequence_step: number;
  subject: string | null;
  body: string;
  scheduled_for: Date;
  natural_key: string;
}

/** A step ready to enqueue, with its message. */
interface Planned {
  cc: Cc;
  contactId: string;
  maxStep: number;
  queue: QueueDraft;
  template: Template;
  personalization: unknown;
}

/**
 * Where a `planDue` call is in the contacts due since they were added (`next_step_at` NULL): the
 * natural key and id of the last one it picked. A contact it planned stays in that part of the
 * order (its `next_step_at` stays NULL while its step is on its way), so without the cursor every
 * pick would walk past all the contacts planned before it, and a pass would cost the square of
 * its size.
 */
interface PickCursor {
  naturalKey: string;
  id: string;
}

/**
 * The due campaign contacts, taken in the planner's order: the longest due first; ties (new
 * contacts all have a NULL `next_step_at`) by the campaign contact's natural key (campaign, then
 * the person's email and LinkedIn URL, set on insert) and only then the id, so which contacts a
 * limited call plans does not depend on row ids. The due-step index holds that order. `SKIP
 * LOCKED`: rows another planner holds are left to it. In up to three statements: those with a due
 * time (they come first); those never planned after the call's cursor, an index range; and, only
 * when that range is used up, the same without the cursor, so a contact the cursor passed (held
 * by another planner then released, or without a natural key) is still planned.
 */
async function pickDue(trx: Transaction<Database>, now: Date, limit: number, cursor: { at: PickCursor | null }, campaignId?: string) {
  const base = () =>
    dueContacts(trx, now, campaignId)
      .selectAll("cc")
      .orderBy("cc.next_step_at")
      .orderBy("cc.natural_key")
      .orderBy("cc.id")
      .forUpdate("cc")
      .skipLocked();
  const picked = await base().where("cc.next_step_at", "is not", null).limit(limit).execute();
  const fresh = (rows: Cc[]) => {
    for (const r of rows) picked.push(r);
    const last = rows.at(-1);
    if (last?.natural_key) cursor.at = { naturalKey: last.natural_key, id: last.id };
    return rows.length;
  };
  const at = cursor.at;
  if (picked.length < limit && at) {
    fresh(
      await base()
        .where("cc.next_step_at", "is", null)
        .where(sql<boolean>`(cc.natural_key, cc.id) > (${at.naturalKey}, ${at.id}::uuid)`)
        .limit(limit - picked.length)
        .execute(),
    );
  }
  if (picked.length < limit) {
    const taken = picked.map((r) => r.id);
    let q = base().where("cc.next_step_at", "is", null);
    if (taken.length) q = q.where("cc.id", "not in", taken);
    fresh(await q.limit(limit - picked.length).execute());
  }
  return picked;
}

/** The statuses of a queue row whose step is still on its way (queued or in flight): no next step is planned behind it. */
const ON_ITS_WAY = ["pending", "scheduled", "processing"] as const;

/** The conditions that make a campaign contact due for planning (its campaign and offer active, no step on its way). */
function dueContacts(db: Transaction<Database> | SendPathOptions["db"], now: Date, campaignId?: string) {
  let q = db
    .selectFrom("campaign_contacts as cc")
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .innerJoin("offers as o", "o.id", "c.offer_id")
    .where("c.status", "=", "active")
    // A paused, completed or killed offer plans nothing (see the claim's check).
    .where("o.status", "=", "active")
    .where("cc.status", "in", ["queued", "in_progress", "waiting"])
    .where((eb) => eb.or([eb("cc.next_step_at", "is", null), eb("cc.next_step_at", "<=", now)]))
    .where((eb) => eb.or([eb("cc.paused_until", "is", null), eb("cc.paused_until", "<=", now)]))
    // A step still on its way (queued or in flight) is never followed by the next one. OFFSET 0
    // keeps the check a per-row lookup in the queue's (campaign_contact_id, sequence_step) index:
    // as a join, its plan followed the queue's statistics (a scan of the whole queue per pick
    // when they were those of an empty queue, a hash of it and a sort of every contact when they
    // were those of a full one), and the pick stopped being an index range.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("send_queue as sq")
            .select("sq.id")
            .whereRef("sq.campaign_contact_id", "=", "cc.id")
            .where("sq.status", "in", ON_ITS_WAY)
            .offset(0),
        ),
      ),
    );
  if (campaignId) q = q.where("cc.campaign_id", "=", campaignId);
  return q;
}

/** Reads into the cache the campaigns, offers and approved templates of `ccs` not read yet (a statement each at most). */
async function fillCache(trx: Transaction<Database>, ccs: readonly Cc[], cache: PlanCache): Promise<void> {
  const campaignIds = [...new Set(ccs.map((cc) => cc.campaign_id))].filter((id) => !cache.campaigns.has(id));
  if (campaignIds.length) {
    for (const row of await trx.selectFrom("campaigns").selectAll().where("id", "in", campaignIds).execute()) {
      cache.campaigns.set(row.id, { campaign: row, config: SchedulingConfig.safeParse(row.scheduling_config) });
    }
  }
  const offerIds = [...new Set(ccs.map((cc) => cache.campaigns.get(cc.campaign_id)!.campaign.offer_id))].filter(
    (id) => !cache.offers.has(id),
  );
  if (offerIds.length === 0) return;
  const offers = await trx.selectFrom("offers").selectAll().where("id", "in", offerIds).execute();
  for (const id of offerIds)
    cache.offers.set(
      id,
      offers.find((o) => o.id === id),
    );
  const templates = await trx
    .selectFrom("message_templates")
    .selectAll()
    .where("offer_id", "in", offerIds)
    .where("status", "=", "approved")
    .orderBy(sql`campaign_id IS NULL`)
    .orderBy(sql`sequence_step IS NULL`)
    .orderBy("created_at")
    // Templates written together share created_at (one transaction): then by name, as launch
    // (`plannerTemplate`) picks.
    .orderBy("name")
    .orderBy("id")
    .execute();
  for (const id of offerIds)
    cache.templates.set(
      id,
      templates.filter((t) => t.offer_id === id),
    );
}

/**
 * Progress of each campaign contact. A step whose queue row ended without a send (failed,
 * skipped) counts as done at the moment it ended, so the next step waits its full delay from then.
 */
async function lastQueueRows(trx: Transaction<Database>, ccIds: readonly string[]) {
  const rows = await trx
    .selectFrom("send_queue")
    .distinctOn("campaign_contact_id")
    .select(["campaign_contact_id", "sequence_step", "status", "ended_at", "updated_at"])
    .where("campaign_contact_id", "in", [...ccIds])
    .orderBy("campaign_contact_id")
    .orderBy("sequence_step", "desc")
    .execute();
  return new Map(rows.map((r) => [r.campaign_contact_id!, r]));
}

function progressOf(
  cc: Cc,
  connected: boolean,
  last: { sequence_step: number | null; status: string; ended_at: Date | null; updated_at: Date } | undefined,
): SequenceProgress {
  let currentStep = cc.current_step;
  let lastStepAt = cc.last_step_at ?? cc.added_at;
  if (last && (last.sequence_step ?? 0) > currentStep && ["failed", "skipped", "cancelled"].includes(last.status)) {
    currentStep = last.sequence_step ?? currentStep;
    // When the send path ended it, on the runner's clock (simulated in a sandbox run); `updated_at`,
    // the database's wall clock, only for rows ended before `ended_at` existed.
    lastStepAt = last.ended_at ?? last.updated_at;
  }
  return { currentStep, touches: cc.touches, replied: cc.replied, connected, lastStepAt };
}

/**
 * Plans one batch of due campaign contacts inside one transaction; returns how many were picked
 * (0 when none is due, or every due one is held by another planner) and how many of those it
 * took (the others another planner had planned meanwhile). The batch costs a fixed set
 * of statements whatever its size: the pick, the reads of what the batch needs (contacts, their
 * companies, the last queue row of each, the campaigns' accounts and their usage), the queue rows
 * and messages as multi-row inserts, and one update of the campaign contacts. Each contact is
 * decided as if planned alone: nothing a decision reads is written by another decision of the
 * batch (account usage moves only when a send is made).
 */
async function planBatch(
  trx: Transaction<Database>,
  now: Date,
  size: number,
  summary: PlanSummary,
  cache: PlanCache,
  random: RandomSource,
  cursor: { at: PickCursor | null },
  campaignId?: string,
): Promise<{ picked: number; taken: number }> {
  const picked = await pickDue(trx, now, size, cursor, campaignId);
  if (picked.length === 0) return { picked: 0, taken: 0 };
  // A contact another planner planned while this pick ran is returned by it all the same: when
  // the pick reaches the contact after that planner committed, it finds it unlocked and rechecks
  // its new row version, but its "no step on its way" subquery still sees the queue as it was
  // when the pick began (READ COMMITTED's recheck). This read starts after that commit: such a
  // contact's step is on its way, so it is left as the other planner wrote it. (Planning it again
  // met the queue's unique key, moved the contact's next look an hour on, and the pass, counting
  // it toward its limit, left a contact it had not reached unplanned: plan-race.test.ts.)
  const lastRows = await lastQueueRows(
    trx,
    picked.map((cc) => cc.id),
  );
  const ccs = picked.filter((cc) => !(ON_ITS_WAY as readonly string[]).includes(lastRows.get(cc.id)?.status ?? ""));
  if (ccs.length === 0) return { picked: picked.length, taken: 0 };
  await fillCache(trx, ccs, cache);
  // One statement at a time: a transaction holds one connection.
  const contactRows = await trx
    .selectFrom("contacts")
    .selectAll()
    .where("id", "in", [...new Set(ccs.map((cc) => cc.contact_id))])
    .execute();
  const contactsById = new Map(contactRows.map((c) => [c.id, c]));

  const updates: CcUpdate[] = [];
  const doneCampaigns: string[] = [];
  const due: {
    cc: Cc;
    campaign: Campaign;
    config: SchedulingConfig;
    contact: Contact;
    plan: Extract<ReturnType<typeof planNextStep>, { kind: "due" }>;
  }[] = [];
  for (const cc of ccs) {
    const { campaign, config: parsed } = cache.campaigns.get(cc.campaign_id)!;
    if (!parsed.success) {
      updates.push({
        id: cc.id,
        status: "paused",
        stop_reason: `invalid scheduling_config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        next_step_at: null,
      });
      bump(summary.paused, "invalid_scheduling_config");
      continue;
    }
    const config = parsed.data;
    const contact = contactsById.get(cc.contact_id)!;
    const connected = cc.connected_at !== null || contact.connection_degree === 1;
    const progress = progressOf(cc, connected, lastRows.get(cc.id));
    const plan = planNextStep(config, progress, now);
    if (plan.kind === "done") {
      updates.push({
        id: cc.id,
        status: plan.reason === "replied" ? "replied" : "completed",
        completed_at: now,
        next_step_at: null,
        stop_reason: plan.reason,
        current_step: progress.currentStep,
        last_step_at: progress.lastStepAt,
      });
      // The last campaign contact to finish completes its campaign, in this transaction.
      doneCampaigns.push(cc.campaign_id);
      bump(summary.done, plan.reason);
    } else if (plan.kind === "wait") {
      updates.push({
        id: cc.id,
        status: cc.status === "queued" ? "queued" : "waiting",
        next_step_at: plan.until ?? new Date(now.getTime() + DAY),
        current_step: progress.currentStep,
        last_step_at: progress.lastStepAt,
      });
      bump(summary.waiting, plan.reason);
    } else if (plan.kind === "skip") {
      updates.push({
        id: cc.id,
        current_step: plan.step.step,
        last_step_at: plan.at,
        next_step_at: now,
        status: cc.status === "queued" ? "in_progress" : cc.status,
      });
      bump(summary.skipped, plan.reason);
    } else {
      due.push({ cc, campaign, config, contact, plan });
    }
  }

  const planned: Planned[] = [];
  if (due.length) {
    // What the due steps need: the campaigns' accounts with their usage, the contacts' companies.
    const accountIds = [...new Set(due.flatMap((d) => campaignAccountIds(d.campaign)))];
    const companyIds = [...new Set(due.map((d) => d.contact.company_id))];
    const accountRows: Account[] = accountIds.length
      ? await trx.selectFrom("accounts").selectAll().where("id", "in", accountIds).execute()
      : [];
    const companyRows = await trx.selectFrom("companies").selectAll().where("id", "in", companyIds).execute();
    const usage = await readUsageMany(
      trx,
      accountRows.map((a) => a.id),
      now,
    );
    const accountsById = new Map(accountRows.map((a) => [a.id, a]));
    const companiesById = new Map<string, Company>(companyRows.map((c) => [c.id, c]));
    // Experiments (issue 17): the copy variant each contact is assigned to, per step, in one read.
    const assignments = await experiments.variantTemplatesFor(
      trx,
      due.map((d) => d.cc.id),
    );
    for (const d of due) {
      const outcome = planStep(d, { accountsById, usage, companiesById, assignments, cache, now, random });
      if ("update" in outcome) {
        updates.push(outcome.update);
        bump(outcome.bucket === "paused" ? summary.paused : summary.waiting, outcome.reason);
      } else {
        planned.push(outcome);
      }
    }
  }

  // The queue rows, then the messages of those inserted; a step already queued (another planner
  // won the race) is looked at again later.
  const queued = await enqueueMany(
    trx,
    planned.map((p) => p.queue),
  );
  const messages: Insertable<Database["messages"]>[] = [];
  const queuedContacts: string[] = [];
  for (const p of planned) {
    const queueId = queued.get(`${p.cc.id}|${p.queue.sequence_step ?? 0}`);
    if (!queueId) {
      updates.push({ id: p.cc.id, next_step_at: new Date(now.getTime() + HOUR) });
      bump(summary.waiting, "already_planned");
      continue;
    }
    const q = p.queue;
    messages.push({
      campaign_contact_id: p.cc.id,
      campaign_id: q.campaign_id,
      contact_id: q.contact_id,
      account_id: q.account_id,
      send_queue_id: queueId,
      channel: q.channel,
      action_type: q.action_type,
      sequence_step: q.sequence_step,
      subject: q.subject,
      body: q.body,
      personalization_used: sql`CAST(CAST(${JSON.stringify(p.personalization)} AS text) AS jsonb)` as never,
      // The copy this send uses: outcomes are attributed to it (outreach_history.variant).
      template_id: p.template.id,
      variant: p.template.name,
      status: "queued",
      scheduled_at: q.scheduled_for,
    });
    summary.planned++;
    updates.push({ id: p.cc.id, status: "in_progress", next_step_at: null, started_at: now, max_step: p.maxStep });
    queuedContacts.push(p.contactId);
  }
  await sendQueue.insertPlannedMessages(trx, messages);
  await campaignContacts.applyPlanned(trx, updates);
  if (doneCampaigns.length) await campaigns.completeIfFinished(trx, doneCampaigns);
  await contacts.markQueued(trx, queuedContacts);
  return { picked: picked.length, taken: ccs.length };
}

/**
 * A due step, decided in memory: the sender chosen, the copy rendered and linted, the send time
 * drawn; or the write that holds the contact (waiting for an account, paused for a human).
 */
function planStep(
  d: {
    cc: Cc;
    campaign: Campaign;
    config: SchedulingConfig;
    contact: Contact;
    plan: Extract<ReturnType<typeof planNextStep>, { kind: "due" }>;
  },
  ctx: {
    accountsById: Map<string, Account>;
    usage: Awaited<ReturnType<typeof readUsageMany>>;
    companiesById: Map<string, Company>;
    /** `"<campaign contact id>|<step>"` → the assigned copy variant's template id. */
    assignments: Map<string, string>;
    cache: PlanCache;
    now: Date;
    random: RandomSource;
  },
): Planned | { update: CcUpdate; bucket: "waiting" | "paused"; reason: string } {
  const { cc, campaign, config, contact, plan } = d;
  const { now } = ctx;
  const step = plan.step;
  const channel = schedulingStepChannel[step.type] as MessageChannel;
  const action: MessageActionType = channelActionType[channel];
  const type = accountTypeFor(action);
  const accounts = campaignAccountIds(campaign).flatMap((id) => {
    const a = ctx.accountsById.get(id);
    return a ? [a] : [];
  });
  // In natural order: the capacity-only fallback below takes the first account that fits.
  accounts.sort((a, b) => (accountKey(a) < accountKey(b) ? -1 : accountKey(a) > accountKey(b) ? 1 : 0));
  const candidates: CandidateAccount[] = accounts.map((a) => ({
    id: a.id,
    key: accountKey(a),
    type: a.type,
    rotation_set: a.rotation_set,
    limits: effectiveLimits(a),
    usage: ctx.usage.get(a.id)!,
    // What the send path would refuse (sendBlock): an unlinked account or a lapsed cooldown is
    // judged here as the claim will judge it.
    block: sendBlock(a, now)?.reason ?? null,
    notBefore: a.next_send_at,
  }));
  const sticky = type === "email" ? cc.email_account_id : cc.linkedin_account_id;
  const choice = chooseAccount(candidates, {
    action,
    stickyAccountId: sticky,
    contactKey: contactKey(contact),
    allowBurner: config.use_burner_accounts === true,
    now,
  });
  let accountId: string | undefined;
  if (choice.ok) {
    accountId = choice.accountId;
  } else if (["daily_cap", "hourly_cap", "min_gap", "account_warming_cap"].includes(choice.reason)) {
    // Only capacity stands in the way: plan now with the sender it will be; the send path defers
    // the row until the capacity is there (and records why).
    accountId =
      sticky ??
      candidates.find((c) => c.type === type && !c.block && (c.rotation_set !== "burner" || config.use_burner_accounts === true))?.id;
  }
  if (!accountId) {
    return {
      update: { id: cc.id, next_step_at: new Date(now.getTime() + HOUR) },
      bucket: "waiting",
      reason: choice.ok ? "no_account" : choice.reason,
    };
  }
  const account = ctx.accountsById.get(accountId)!;

  const assigned = ctx.assignments.get(`${cc.id}|${step.step}`);
  const template = chooseTemplate(
    templatesFor(ctx.cache.templates.get(campaign.offer_id) ?? [], campaign, channel, step.step),
    assigned ? { templateId: assigned } : undefined,
  );
  if (!template) {
    return {
      update: { id: cc.id, status: "paused", stop_reason: `no approved ${channel} template for step ${step.step}`, next_step_at: null },
      bucket: "paused",
      reason: "no_template",
    };
  }
  const rendered = renderForSend(template as MessageTemplate, {
    contact,
    company: ctx.companiesById.get(contact.company_id) ?? null,
    offer: ctx.cache.offers.get(campaign.offer_id) ?? null,
    sender: { name: account.name, owner: account.owner, email: account.email_address },
  });
  if (!rendered.ok) {
    return {
      update: { id: cc.id, status: "paused", stop_reason: `lint_failed: ${rendered.reason}`, next_step_at: null },
      bucket: "paused",
      reason: rendered.code,
    };
  }

  const window = windowFromCampaign(campaign);
  const earliest = plan.dueAt > now ? plan.dueAt : now;
  const naturalKey = sendKey(campaign, contact, step.step);
  // The sender's own jitter (`accounts limits --jitter`), else the default (17 minutes).
  const scheduledFor = jitteredSendTime(window, earliest, ctx.random.stream(`send|${naturalKey}`), {
    maxJitterMinutes: account.send_jitter_minutes ?? DEFAULT_MAX_JITTER_MINUTES,
  });
  return {
    cc,
    contactId: contact.id,
    maxStep: config.steps.length,
    template,
    personalization: rendered.message.personalization_used,
    queue: {
      campaign_id: campaign.id,
      campaign_contact_id: cc.id,
      contact_id: contact.id,
      account_id: accountId,
      channel,
      action_type: action,
      sequence_step: step.step,
      subject: rendered.message.subject,
      body: rendered.message.body,
      scheduled_for: scheduledFor,
      natural_key: naturalKey,
    },
  };
}

/**
 * Plans the next step of every due campaign contact of active campaigns (up to `limit`), a batch
 * per transaction. Safe with any number of planners at once: contacts are taken with
 * `FOR UPDATE SKIP LOCKED` and each step can be enqueued only once. One call keeps `concurrency`
 * batches in flight (default 2), each in its own transaction on its own connection: while one
 * batch's writes run in the database, the next one is decided, rendered and linted in Node. On an
 * engine with one connection (PGlite) the batches simply run one after the other.
 */
export async function planDue(options: PlanOptions): Promise<PlanSummary> {
  const now = (options.now ?? (() => new Date()))();
  const summary: PlanSummary = { planned: 0, waiting: {}, skipped: {}, done: {}, paused: {} };
  const limit = options.limit ?? 500;
  const random = options.random ?? systemRandomSource();
  const batchSize = options.batchSize ?? BATCH;
  const concurrency = options.concurrency ?? PLAN_CONCURRENCY;
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`planDue needs a whole batchSize ≥ 1 and concurrency ≥ 1, got ${batchSize} and ${concurrency}`);
  }
  const cache = newCache();
  const cursor: { at: PickCursor | null } = { at: null };
  // Contacts taken or being taken by the batches in flight; a batch that finds fewer gives the rest back.
  let reserved = 0;
  let exhausted = false;
  const worker = async () => {
    while (!exhausted && reserved < limit) {
      const size = Math.min(batchSize, limit - reserved);
      reserved += size;
      let n: { picked: number; taken: number };
      try {
        n = await options.db.transaction().execute((trx) => planBatch(trx, now, size, summary, cache, random, cursor, options.campaignId));
      } catch (e) {
        exhausted = true; // the other batches in flight stop after theirs
        throw e;
      }
      // Contacts picked but already planned by another planner do not count toward the limit.
      reserved -= size - n.taken;
      // Nothing due (or all of it held by another planner): the other batches in flight finish theirs.
      if (n.picked === 0) exhausted = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summary;
}
