/**
 * The planner: turns due campaign contacts into rendered `messages` + `send_queue` rows, one step
 * at a time. The engine decides what comes next (conditions, delays, stop rules); copy renders and
 * lints (only approved templates, invariant 6); the unique key (campaign_contact_id,
 * sequence_step) makes planning the same step twice impossible, whoever runs the planner.
 */
import { renderForSend, type MessageTemplate } from "@offerlab/copy";
import { channelActionType, SchedulingConfig, schedulingStepChannel, type MessageActionType, type MessageChannel } from "@offerlab/core";
import { campaigns, experiments, type Database } from "@offerlab/db";
import { sql, type Selectable, type Transaction } from "kysely";
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
import { jitteredSendTime } from "../engine/jitter.js";
import { systemRandomSource, type RandomSource } from "../engine/random.js";
import { accountKey, contactKey, sendKey } from "./context.js";
import { enqueue } from "./queue.js";
import { readUsageMany } from "./quota.js";
import type { SendPathOptions } from "./types.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface PlanOptions extends Pick<SendPathOptions, "db" | "now" | "random"> {
  /** Campaign contacts to plan in this call. Default 500. */
  limit?: number;
  /** Only this campaign. */
  campaignId?: string;
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

/**
 * What one `planDue` call reads once instead of once per contact: campaigns (with their parsed
 * scheduling_config), offers and approved templates. A change made while a call runs is seen by
 * the next call (the pick itself still reads the campaign's live status).
 */
interface PlanCache {
  campaigns: Map<string, { campaign: Campaign; config: ReturnType<typeof SchedulingConfig.safeParse> }>;
  offers: Map<string, Offer | undefined>;
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

async function pause(trx: Transaction<Database>, cc: Cc, reason: string): Promise<void> {
  await trx
    .updateTable("campaign_contacts")
    .set({ status: "paused", stop_reason: reason, next_step_at: null })
    .where("id", "=", cc.id)
    .execute();
}

/**
 * Progress of a campaign contact. A step whose queue row ended without a send (failed, skipped)
 * counts as done at the moment it ended, so the next step waits its full delay from then.
 */
async function progressOf(trx: Transaction<Database>, cc: Cc, connected: boolean): Promise<SequenceProgress> {
  const last = await trx
    .selectFrom("send_queue")
    .select(["sequence_step", "status", "ended_at", "updated_at"])
    .where("campaign_contact_id", "=", cc.id)
    .orderBy("sequence_step", "desc")
    .limit(1)
    .executeTakeFirst();
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
    // A step still on its way (queued or in flight) is never followed by the next one.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("send_queue as sq")
            .select("sq.id")
            .whereRef("sq.campaign_contact_id", "=", "cc.id")
            .where("sq.status", "in", ["pending", "scheduled", "processing"]),
        ),
      ),
    );
  if (campaignId) q = q.where("cc.campaign_id", "=", campaignId);
  return q;
}

/**
 * Plans the next due campaign contact inside its own transaction; returns false when none is due
 * (or every due one is held by another planner). The longest due goes first; ties (new contacts
 * all have a NULL `next_step_at`) by the campaign contact's natural key (campaign, then the
 * person's email and LinkedIn URL, set on insert) and only then the id, so which contacts a
 * limited call plans does not depend on row ids. The due-step index holds that order, so the
 * pick stops at the first free row instead of sorting every due contact.
 */
async function planOne(
  trx: Transaction<Database>,
  now: Date,
  summary: PlanSummary,
  cache: PlanCache,
  random: RandomSource,
  campaignId?: string,
): Promise<boolean> {
  const cc = await dueContacts(trx, now, campaignId)
    .selectAll("cc")
    .orderBy("cc.next_step_at")
    .orderBy("cc.natural_key")
    .orderBy("cc.id")
    .limit(1)
    .forUpdate("cc")
    .skipLocked()
    .executeTakeFirst();
  if (!cc) return false;

  let cached = cache.campaigns.get(cc.campaign_id);
  if (!cached) {
    const row = await trx.selectFrom("campaigns").selectAll().where("id", "=", cc.campaign_id).executeTakeFirstOrThrow();
    cached = { campaign: row, config: SchedulingConfig.safeParse(row.scheduling_config) };
    cache.campaigns.set(cc.campaign_id, cached);
  }
  const { campaign, config: parsed } = cached;
  if (!parsed.success) {
    await pause(trx, cc, `invalid scheduling_config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    bump(summary.paused, "invalid_scheduling_config");
    return true;
  }
  const config = parsed.data;
  const contact = await trx.selectFrom("contacts").selectAll().where("id", "=", cc.contact_id).executeTakeFirstOrThrow();
  const connected = cc.connected_at !== null || contact.connection_degree === 1;
  const progress = await progressOf(trx, cc, connected);
  const plan = planNextStep(config, progress, now);

  if (plan.kind === "done") {
    const status = plan.reason === "replied" ? "replied" : "completed";
    await trx
      .updateTable("campaign_contacts")
      .set({
        status,
        completed_at: now,
        next_step_at: null,
        stop_reason: plan.reason,
        current_step: progress.currentStep,
        last_step_at: progress.lastStepAt,
      })
      .where("id", "=", cc.id)
      .execute();
    // The last campaign contact to finish completes its campaign, in this transaction.
    await campaigns.completeIfFinished(trx, [cc.campaign_id]);
    bump(summary.done, plan.reason);
    return true;
  }
  if (plan.kind === "wait") {
    await trx
      .updateTable("campaign_contacts")
      .set({
        status: cc.status === "queued" ? "queued" : "waiting",
        next_step_at: plan.until ?? new Date(now.getTime() + DAY),
        current_step: progress.currentStep,
        last_step_at: progress.lastStepAt,
      })
      .where("id", "=", cc.id)
      .execute();
    bump(summary.waiting, plan.reason);
    return true;
  }
  if (plan.kind === "skip") {
    await trx
      .updateTable("campaign_contacts")
      .set({
        current_step: plan.step.step,
        last_step_at: plan.at,
        next_step_at: now,
        status: cc.status === "queued" ? "in_progress" : cc.status,
      })
      .where("id", "=", cc.id)
      .execute();
    bump(summary.skipped, plan.reason);
    return true;
  }

  // Due: choose the sender, render, enqueue.
  const step = plan.step;
  const channel = schedulingStepChannel[step.type] as MessageChannel;
  const action: MessageActionType = channelActionType[channel];
  const type = accountTypeFor(action);
  const ids = campaignAccountIds(campaign);
  const accounts = ids.length ? await trx.selectFrom("accounts").selectAll().where("id", "in", ids).execute() : [];
  const usage = await readUsageMany(
    trx,
    accounts.map((a) => a.id),
    now,
  );
  // In natural order: the capacity-only fallback below takes the first account that fits.
  accounts.sort((a, b) => (accountKey(a) < accountKey(b) ? -1 : accountKey(a) > accountKey(b) ? 1 : 0));
  const candidates: CandidateAccount[] = accounts.map((a) => ({
    id: a.id,
    key: accountKey(a),
    type: a.type,
    rotation_set: a.rotation_set,
    limits: effectiveLimits(a),
    usage: usage.get(a.id)!,
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
    const reason = choice.ok ? "no_account" : choice.reason;
    await trx
      .updateTable("campaign_contacts")
      .set({ next_step_at: new Date(now.getTime() + HOUR) })
      .where("id", "=", cc.id)
      .execute();
    bump(summary.waiting, reason);
    return true;
  }
  const account = accounts.find((a) => a.id === accountId)!;

  const templateKey = `${campaign.id}|${channel}|${step.step}`;
  let templates = cache.templates.get(templateKey);
  if (!templates) {
    templates = await trx
      .selectFrom("message_templates")
      .selectAll()
      .where("offer_id", "=", campaign.offer_id)
      .where("status", "=", "approved")
      .where("channel", "=", channel)
      .where((eb) => eb.or([eb("campaign_id", "=", campaign.id), eb("campaign_id", "is", null)]))
      .where((eb) => eb.or([eb("sequence_step", "=", step.step), eb("sequence_step", "is", null)]))
      .orderBy(sql`campaign_id IS NULL`)
      .orderBy(sql`sequence_step IS NULL`)
      .orderBy("created_at")
      // Templates written together share created_at (one transaction): then by name, as launch
      // (`plannerTemplate`) picks.
      .orderBy("name")
      .orderBy("id")
      .execute();
    cache.templates.set(templateKey, templates);
  }
  let template = templates[0];
  // --- experiments (issue 17): a copy-variant assignment names the step's template to send. ---
  // Only an approved template of this step and channel (one of `templates`); otherwise the usual pick.
  const assigned = template ? await experiments.variantTemplateFor(trx, cc.id, step.step) : null;
  if (assigned) template = templates.find((t) => t.id === assigned) ?? template;
  // --- end experiments ---
  if (!template) {
    await pause(trx, cc, `no approved ${channel} template for step ${step.step}`);
    bump(summary.paused, "no_template");
    return true;
  }
  const company = await trx.selectFrom("companies").selectAll().where("id", "=", contact.company_id).executeTakeFirst();
  if (!cache.offers.has(campaign.offer_id)) {
    cache.offers.set(campaign.offer_id, await trx.selectFrom("offers").selectAll().where("id", "=", campaign.offer_id).executeTakeFirst());
  }
  const offer = cache.offers.get(campaign.offer_id);
  const rendered = renderForSend(template as MessageTemplate, {
    contact,
    company: company ?? null,
    offer: offer ?? null,
    sender: { name: account.name, owner: account.owner, email: account.email_address },
  });
  if (!rendered.ok) {
    await pause(trx, cc, `lint_failed: ${rendered.reason}`);
    bump(summary.paused, rendered.code);
    return true;
  }

  const window = windowFromCampaign(campaign);
  const earliest = plan.dueAt > now ? plan.dueAt : now;
  const naturalKey = sendKey(campaign, contact, step.step);
  const scheduledFor = jitteredSendTime(window, earliest, random.stream(`send|${naturalKey}`));
  const queuedId = await enqueue(trx, {
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
  });
  if (queuedId) {
    await trx
      .insertInto("messages")
      .values({
        campaign_contact_id: cc.id,
        campaign_id: campaign.id,
        contact_id: contact.id,
        account_id: accountId,
        send_queue_id: queuedId,
        channel,
        action_type: action,
        sequence_step: step.step,
        subject: rendered.message.subject,
        body: rendered.message.body,
        personalization_used: sql`CAST(CAST(${JSON.stringify(rendered.message.personalization_used)} AS text) AS jsonb)` as never,
        // The copy this send uses: outcomes are attributed to it (outreach_history.variant).
        template_id: template.id,
        variant: template.name,
        status: "queued",
        scheduled_at: scheduledFor,
      })
      .execute();
    summary.planned++;
  } else {
    // The step is already enqueued (another planner won the race): look again later.
    await trx
      .updateTable("campaign_contacts")
      .set({ next_step_at: new Date(now.getTime() + HOUR) })
      .where("id", "=", cc.id)
      .execute();
    bump(summary.waiting, "already_planned");
    return true;
  }
  await trx
    .updateTable("campaign_contacts")
    .set({
      status: "in_progress",
      next_step_at: null,
      started_at: sql<Date>`COALESCE(started_at, ${now}::timestamptz)`,
      max_step: config.steps.length,
    })
    .where("id", "=", cc.id)
    .execute();
  await trx
    .updateTable("contacts")
    .set({ status: "queued" })
    .where("id", "=", contact.id)
    .where("status", "in", ["new", "enriched", "ready"])
    .execute();
  return true;
}

/**
 * Plans the next step of every due campaign contact of active campaigns (up to `limit`). Safe with
 * any number of planners at once: contacts are taken with `FOR UPDATE SKIP LOCKED` and each step
 * can be enqueued only once.
 */
export async function planDue(options: PlanOptions): Promise<PlanSummary> {
  const now = (options.now ?? (() => new Date()))();
  const summary: PlanSummary = { planned: 0, waiting: {}, skipped: {}, done: {}, paused: {} };
  const limit = options.limit ?? 500;
  const random = options.random ?? systemRandomSource();
  const cache = newCache();
  for (let i = 0; i < limit; i++) {
    const more = await options.db.transaction().execute((trx) => planOne(trx, now, summary, cache, random, options.campaignId));
    if (!more) break;
  }
  return summary;
}
