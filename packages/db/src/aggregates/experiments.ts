/**
 * The experiments aggregate: `experiments`, their `experiment_arms` and the
 * `experiment_assignments` of contacts to arms, and the reads the report needs (per arm and per
 * breakdown of an offer: enrolled, contacted, matured, outcomes within the maturity window).
 *
 * Every write of these three tables is here. Rules (which arm a contact gets, what the numbers
 * mean) live in `@offerlab/experiments` and the operations; these functions read and write.
 *
 * The facts read per campaign contact: its first touch (its first message with a send time) and
 * when it replied, replied positively, booked a meeting. `@offerlab/experiments`' `countContacts`
 * turns them into matured / maturing counts.
 */
import type { ExperimentKind, ExperimentMetric, ExperimentPolicy } from "@offerlab/core";
import type { ContactFacts } from "@offerlab/experiments";
import { ValidationError, isUuid } from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import { NotFoundError } from "../repositories.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";
import { chunks } from "./shared.js";

export type Experiment = Selectable<Database["experiments"]>;
export type ExperimentArm = Selectable<Database["experiment_arms"]>;
export type ExperimentAssignment = Selectable<Database["experiment_assignments"]>;

/** An experiment with its arms, in their order. */
export interface ExperimentWithArms {
  experiment: Experiment;
  arms: ExperimentArm[];
}

/** What `experiments.create` writes; the operation validates it first. */
export interface ExperimentCreateInput {
  slug: string;
  name: string;
  hypothesis: string;
  kind: ExperimentKind;
  offer_id: string | null;
  sequence_step?: number | null;
  primary_metric?: ExperimentMetric;
  maturity_days?: number;
  planned_matured_per_arm: number;
  budget_matured_per_arm?: number | null;
  false_winner_rate?: number;
  min_matured_per_arm?: number;
  max_expected_loss_points?: number;
  allocation_floor?: number;
  min_matured_for_adaptive?: number;
  started_at?: Date;
  arms: {
    arm_key: string;
    label: string;
    is_control?: boolean;
    offer_id?: string | null;
    signal_stack?: string | null;
    icp_segment?: string | null;
    template_id?: string | null;
  }[];
}

/** One assignment to write. */
export interface AssignmentInput {
  experiment_id: string;
  arm_id: string;
  contact_id: string;
  campaign_contact_id: string | null;
  probability: number;
  probabilities: Record<string, number>;
  stratum: string;
  policy: ExperimentPolicy;
  assigned_at: Date;
}

/** Dimensions an offer's report breaks down by. */
export const BREAKDOWNS = ["signal", "icp", "variant", "step", "account"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/** The facts of campaign contacts, keyed by a SQL expression for the group. */
function factsQuery(db: DbOrTrx) {
  return db
    .selectFrom("campaign_contacts as cc")
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .select([
      "cc.id as campaignContactId",
      "cc.contact_id as contactId",
      sql<Date | null>`(SELECT MIN(m.sent_at) FROM messages m WHERE m.campaign_contact_id = cc.id)`.as("firstTouchAt"),
      sql<Date | null>`(SELECT MIN(m.replied_at) FROM messages m WHERE m.campaign_contact_id = cc.id)`.as("repliedAt"),
      sql<Date | null>`(SELECT MIN(m.replied_at) FROM messages m WHERE m.campaign_contact_id = cc.id
          AND (m.reply_sentiment = 'positive' OR (m.reply_sentiment IS NULL AND cc.reply_sentiment = 'positive')))`.as("positiveAt"),
      sql<Date | null>`(SELECT MIN(o.occurred_at) FROM outcomes o WHERE o.contact_id = cc.contact_id
          AND o.kind = 'meeting_booked' AND (o.campaign_id = cc.campaign_id OR o.campaign_id IS NULL))`.as("meetingAt"),
    ]);
}

function toDate(v: unknown): Date | null {
  return v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));
}

async function requireExperiment(db: DbOrTrx, ref: string): Promise<Experiment> {
  const trimmed = ref.trim();
  const row = await db
    .selectFrom("experiments")
    .selectAll()
    .where((eb) => (isUuid(trimmed) ? eb.or([eb("id", "=", trimmed), eb("slug", "=", trimmed)]) : eb("slug", "=", trimmed)))
    .executeTakeFirst();
  if (!row) throw new NotFoundError("experiment", ref);
  return row;
}

/** An experiment's arms, in their order. */
function armsOf(db: DbOrTrx, experimentId: string) {
  return db.selectFrom("experiment_arms").selectAll().where("experiment_id", "=", experimentId).orderBy("position").execute();
}

export const experiments = {
  /** Writes the experiment and its arms in one transaction; a slug already taken is a field error. */
  async create(db: DbOrTrx, input: ExperimentCreateInput): Promise<ExperimentWithArms> {
    return inTransaction(db, async (trx) => {
      const taken = await trx.selectFrom("experiments").select("id").where("slug", "=", input.slug).executeTakeFirst();
      if (taken) {
        throw new ValidationError("experiment", [
          { field: "slug", message: `an experiment "${input.slug}" exists already; pass another --slug or name` },
        ]);
      }
      const { arms, started_at, ...row } = input;
      const experiment = await trx
        .insertInto("experiments")
        .values({ ...row, ...(started_at ? { started_at } : {}) })
        .returningAll()
        .executeTakeFirstOrThrow();
      const written = await trx
        .insertInto("experiment_arms")
        .values(
          arms.map((a, position) => ({
            experiment_id: experiment.id,
            arm_key: a.arm_key,
            label: a.label,
            position,
            is_control: a.is_control ?? false,
            offer_id: a.offer_id ?? null,
            signal_stack: a.signal_stack ?? null,
            icp_segment: a.icp_segment ?? null,
            template_id: a.template_id ?? null,
          })),
        )
        .returningAll()
        .execute();
      return { experiment, arms: written.sort((a, b) => a.position - b.position) };
    });
  },

  /** The experiment an id or slug names, with its arms; `NotFoundError` otherwise. */
  async get(db: DbOrTrx, ref: string): Promise<ExperimentWithArms> {
    const experiment = await requireExperiment(db, ref);
    return { experiment, arms: await armsOf(db, experiment.id) };
  },

  /**
   * The experiment an id or slug names, with its arms, its row locked for the transaction: an
   * enrolment of the experiment's own (`enrolExperiment`) and enrolments racing on it take turns,
   * each reading the stratum counts it extends. `NotFoundError` otherwise.
   */
  async getForUpdate(db: DbOrTrx, ref: string): Promise<ExperimentWithArms> {
    const found = await requireExperiment(db, ref);
    const experiment = await db.selectFrom("experiments").selectAll().where("id", "=", found.id).forUpdate().executeTakeFirstOrThrow();
    return { experiment, arms: await armsOf(db, experiment.id) };
  },

  /** Experiments, newest first, optionally of one offer or status, with their arms and assignment counts. */
  async list(
    db: DbOrTrx,
    filter: { offerId?: string; status?: "running" | "stopped" } = {},
  ): Promise<(ExperimentWithArms & { assigned: number; offerSlug: string | null })[]> {
    let q = db
      .selectFrom("experiments as e")
      .leftJoin("offers as o", "o.id", "e.offer_id")
      .selectAll("e")
      .select([
        "o.slug as offer_slug",
        sql<number>`(SELECT COUNT(*)::int FROM experiment_assignments a WHERE a.experiment_id = e.id)`.as("assigned"),
      ])
      .orderBy("e.created_at", "desc")
      .orderBy("e.slug");
    if (filter.offerId) q = q.where("e.offer_id", "=", filter.offerId);
    if (filter.status) q = q.where("e.status", "=", filter.status);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const arms = await db
      .selectFrom("experiment_arms")
      .selectAll()
      .where(
        "experiment_id",
        "in",
        rows.map((r) => r.id),
      )
      .orderBy("position")
      .execute();
    return rows.map(({ offer_slug, assigned, ...experiment }) => ({
      experiment,
      arms: arms.filter((a) => a.experiment_id === experiment.id),
      assigned: Number(assigned),
      offerSlug: offer_slug,
    }));
  },

  /** Stops a running experiment (allocation ends; assigned contacts keep their arm). Returns null if it was stopped already. */
  async stop(db: DbOrTrx, id: string, options: { now: Date; reason?: string | null }): Promise<Experiment | null> {
    const row = await db
      .updateTable("experiments")
      .set({ status: "stopped", stopped_at: options.now, stop_reason: options.reason ?? null, updated_at: options.now })
      .where("id", "=", id)
      .where("status", "=", "running")
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  },

  /**
   * Running experiments that allocate the contacts of a campaign of `offerId`: the offer's own
   * (signal stacks, ICP segments, copy variants) and cross-offer ones with an arm on the offer.
   */
  async runningForOffer(db: DbOrTrx, offerId: string): Promise<ExperimentWithArms[]> {
    const rows = await db
      .selectFrom("experiments as e")
      .selectAll("e")
      .where("e.status", "=", "running")
      .where((eb) =>
        eb.or([
          eb("e.offer_id", "=", offerId),
          eb.exists(
            eb.selectFrom("experiment_arms as a").select("a.id").whereRef("a.experiment_id", "=", "e.id").where("a.offer_id", "=", offerId),
          ),
        ]),
      )
      .orderBy("e.created_at")
      .orderBy("e.id")
      // Enrolments racing on one experiment take turns: each reads the stratum counts it extends.
      .forUpdate()
      .execute();
    const out: ExperimentWithArms[] = [];
    for (const experiment of rows) {
      const arms = await db
        .selectFrom("experiment_arms")
        .selectAll()
        .where("experiment_id", "=", experiment.id)
        .orderBy("position")
        .execute();
      out.push({ experiment, arms });
    }
    return out;
  },

  /** Assignments already made per stratum (how many contacts each stratum has: the next block position). */
  async stratumCounts(db: DbOrTrx, experimentId: string): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom("experiment_assignments")
      .select(["stratum", sql<number>`COUNT(*)::int`.as("n")])
      .where("experiment_id", "=", experimentId)
      .groupBy("stratum")
      .execute();
    return new Map(rows.map((r) => [r.stratum, Number(r.n)]));
  },

  /** The contacts of `contactIds` already assigned in the experiment. */
  async assignedContacts(db: DbOrTrx, experimentId: string, contactIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(contactIds)) {
      if (part.length === 0) continue;
      const rows = await db
        .selectFrom("experiment_assignments")
        .select("contact_id")
        .where("experiment_id", "=", experimentId)
        .where("contact_id", "in", part)
        .execute();
      for (const r of rows) out.add(r.contact_id);
    }
    return out;
  },

  /** The campaign contacts of `contactIds` in a campaign (what allocation assigns after an enrolment). */
  async campaignContactsOf(
    db: DbOrTrx,
    campaignId: string,
    contactIds: readonly string[],
  ): Promise<{ contactId: string; campaignContactId: string }[]> {
    const out: { contactId: string; campaignContactId: string }[] = [];
    for (const part of chunks(contactIds)) {
      if (part.length === 0) continue;
      const rows = await db
        .selectFrom("campaign_contacts")
        .select(["contact_id", "id"])
        .where("campaign_id", "=", campaignId)
        .where("contact_id", "in", part)
        .execute();
      const byContact = new Map(rows.map((r) => [r.contact_id, r.id]));
      // In the order given: the enrolment's order (best fit first) is the allocation's.
      for (const id of part) if (byContact.has(id)) out.push({ contactId: id, campaignContactId: byContact.get(id)! });
    }
    return out;
  },

  /** The sender already pinned (sticky) for `channel` of each campaign contact that has one. */
  async pinnedSenders(db: DbOrTrx, channel: "linkedin" | "email", campaignContactIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(campaignContactIds)) {
      if (part.length === 0) continue;
      const rows = await db
        .selectFrom("campaign_contacts")
        .select(["id", "linkedin_account_id", "email_account_id"])
        .where("id", "in", part)
        .execute();
      for (const r of rows) {
        const account = channel === "email" ? r.email_account_id : r.linkedin_account_id;
        if (account) out.set(r.id, account);
      }
    }
    return out;
  },

  /**
   * Pins the sender of experiment contacts at enrolment (the sticky `linkedin_account_id` or
   * `email_account_id` the planner keeps to), so the account they are stratified by is the one
   * that sends. A contact that has a sender already keeps it. Returns the rows pinned.
   */
  async pinSenders(
    db: DbOrTrx,
    channel: "linkedin" | "email",
    pins: readonly { campaignContactId: string; accountId: string }[],
  ): Promise<number> {
    const column = channel === "email" ? "email_account_id" : "linkedin_account_id";
    const byAccount = new Map<string, string[]>();
    for (const p of pins) byAccount.set(p.accountId, [...(byAccount.get(p.accountId) ?? []), p.campaignContactId]);
    let pinned = 0;
    for (const [accountId, ids] of byAccount) {
      for (const part of chunks(ids)) {
        if (part.length === 0) continue;
        const out = await db
          .updateTable("campaign_contacts")
          .set({ [column]: accountId })
          .where("id", "in", part)
          .where(column, "is", null)
          .returning("id")
          .execute();
        pinned += out.length;
      }
    }
    return pinned;
  },

  /**
   * The experiment contacts of a campaign whose pinned sender for `channel` is one of `accountIds`
   * and who are still in their sequence (what a removal of those accounts would strand), each
   * with its running experiment's assignment and whether anything went to it (or is in flight)
   * from that account: a queue row of the account claimed or past the claim (not one still
   * waiting, cancelled or skipped), or a message of the account with a send time. Those have a
   * thread or an invitation there and keep their sender; a row still waiting is the caller's to
   * move or cancel.
   */
  async pinnedToAccounts(
    db: DbOrTrx,
    campaignId: string,
    channel: "linkedin" | "email",
    accountIds: readonly string[],
  ): Promise<
    {
      campaignContactId: string;
      contactId: string;
      accountId: string;
      assignmentId: string;
      experimentId: string;
      armId: string;
      stratum: string;
      underWay: boolean;
    }[]
  > {
    if (accountIds.length === 0) return [];
    const column = channel === "email" ? "cc.email_account_id" : "cc.linkedin_account_id";
    const rows = await db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("experiments as e", "e.id", "ea.experiment_id")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .where("cc.campaign_id", "=", campaignId)
      .where("e.status", "=", "running")
      .where("cc.status", "in", ["queued", "in_progress", "waiting", "paused"])
      .where(column, "in", [...accountIds])
      .select([
        "cc.id as campaignContactId",
        "cc.contact_id as contactId",
        sql<string>`${sql.ref(column)}`.as("accountId"),
        "ea.id as assignmentId",
        "ea.experiment_id as experimentId",
        "ea.arm_id as armId",
        "ea.stratum",
        sql<boolean>`(EXISTS (SELECT 1 FROM send_queue q WHERE q.campaign_contact_id = cc.id AND q.account_id = ${sql.ref(column)}
            AND q.status NOT IN ('pending', 'scheduled', 'cancelled', 'skipped'))
          OR EXISTS (SELECT 1 FROM messages m WHERE m.campaign_contact_id = cc.id AND m.account_id = ${sql.ref(column)}
            AND m.sent_at IS NOT NULL))`.as("underWay"),
      ])
      .orderBy("ea.assigned_at")
      .orderBy("ea.stratum")
      .orderBy("cc.added_at")
      .orderBy("cc.id")
      .execute();
    return rows.map((r) => ({ ...r, underWay: Boolean(r.underWay) }));
  },

  /**
   * Moves experiment contacts to another pinned sender (`channel`'s sticky account) and their
   * assignment to the stratum of that account, in the caller's transaction. Returns the rows moved.
   */
  async repin(
    db: DbOrTrx,
    channel: "linkedin" | "email",
    moves: readonly { campaignContactId: string; accountId: string; assignmentId: string; stratum: string }[],
  ): Promise<number> {
    const column = channel === "email" ? "email_account_id" : "linkedin_account_id";
    let moved = 0;
    for (const m of moves) {
      const out = await db
        .updateTable("campaign_contacts")
        .set({ [column]: m.accountId })
        .where("id", "=", m.campaignContactId)
        .returning("id")
        .execute();
      await db.updateTable("experiment_assignments").set({ stratum: m.stratum }).where("id", "=", m.assignmentId).execute();
      moved += out.length;
    }
    return moved;
  },

  /**
   * Per assignment group (arm, policy, stratum, campaign) of an experiment: the sender accounts of
   * the campaign its contacts are in (`account_id` and `account_ids`). The report reads from it
   * whether arms whose contacts are in different campaigns (offers) share their senders.
   */
  async armSenders(
    db: DbOrTrx,
    experimentId: string,
  ): Promise<{ armId: string; policy: string; stratum: string; campaignId: string; accountIds: string[] }[]> {
    const rows = await db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("campaign_contacts as cc", "cc.id", "ea.campaign_contact_id")
      .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
      .select(["ea.arm_id", "ea.policy", "ea.stratum", "c.id as campaignId", "c.account_id", "c.account_ids"])
      .where("ea.experiment_id", "=", experimentId)
      // One row per group: the campaign's columns depend on its key.
      .groupBy(["ea.arm_id", "ea.policy", "ea.stratum", "c.id"])
      .execute();
    const out = new Map<string, { armId: string; policy: string; stratum: string; campaignId: string; accountIds: string[] }>();
    for (const r of rows) {
      const k = `${r.arm_id}|${r.policy}|${r.stratum}|${r.campaignId}`;
      if (out.has(k)) continue;
      const ids = new Set<string>();
      if (r.account_id) ids.add(r.account_id);
      for (const a of r.account_ids ?? []) ids.add(a.id);
      out.set(k, { armId: r.arm_id, policy: r.policy, stratum: r.stratum, campaignId: r.campaignId, accountIds: [...ids].sort() });
    }
    return [...out.values()];
  },

  /** Records assignments; a contact assigned already keeps its first arm (the insert does nothing). */
  async assign(db: DbOrTrx, rows: readonly AssignmentInput[]): Promise<number> {
    let written = 0;
    for (const part of chunks(rows)) {
      if (part.length === 0) continue;
      const out = await db
        .insertInto("experiment_assignments")
        .values(part.map((r) => ({ ...r, probabilities: sql`CAST(${JSON.stringify(r.probabilities)} AS jsonb)` as never })))
        .onConflict((oc) => oc.columns(["experiment_id", "contact_id"]).doNothing())
        .returning("id")
        .execute();
      written += out.length;
    }
    return written;
  },

  /** The experiment's assignments (for `show` and the weighting of adaptive allocation). */
  async assignments(db: DbOrTrx, experimentId: string): Promise<ExperimentAssignment[]> {
    return db
      .selectFrom("experiment_assignments")
      .selectAll()
      .where("experiment_id", "=", experimentId)
      .orderBy("assigned_at")
      .orderBy("id")
      .execute();
  },

  /** Each assigned contact's facts, grouped by arm id (contacts assigned before enrolment count as enrolled, not contacted). */
  async armFacts(db: DbOrTrx, experimentId: string): Promise<ContactFacts[]> {
    const rows = await factsQuery(db)
      .innerJoin("experiment_assignments as ea", "ea.campaign_contact_id", "cc.id")
      .select(["ea.arm_id as group", "ea.probability", "ea.policy"])
      .where("ea.experiment_id", "=", experimentId)
      .orderBy("ea.assigned_at")
      .orderBy("ea.id")
      .execute();
    return rows.map((r) => ({
      contactId: r.contactId,
      campaignContactId: r.campaignContactId,
      group: r.group,
      firstTouchAt: toDate(r.firstTouchAt),
      repliedAt: toDate(r.repliedAt),
      positiveAt: toDate(r.positiveAt),
      meetingAt: toDate(r.meetingAt),
      probability: Number(r.probability),
      policy: r.policy,
    }));
  },

  /**
   * The offer's campaign contacts grouped by `by`: the campaign's targeted signal or ICP segment,
   * the copy variant or the sender account of the first touch, or for `step` one row per step a
   * contact received (its metrics from the time that step was sent). Observational: the groups are
   * different audiences, or different moments of one sequence.
   */
  async offerFacts(db: DbOrTrx, offerId: string, by: Breakdown): Promise<ContactFacts[]> {
    const base = factsQuery(db).where("c.offer_id", "=", offerId);
    const first = (column: string) =>
      sql<
        string | null
      >`(SELECT ${sql.ref(`m.${column}`)}::text FROM messages m WHERE m.campaign_contact_id = cc.id AND m.sent_at IS NOT NULL ORDER BY m.sent_at, m.id LIMIT 1)`;
    let rows: {
      group: string | null;
      campaignContactId: string;
      contactId: string;
      firstTouchAt: unknown;
      repliedAt: unknown;
      positiveAt: unknown;
      meetingAt: unknown;
    }[];
    switch (by) {
      case "signal":
        rows = await base.select(sql<string | null>`c.target_criteria->>'signal'`.as("group")).execute();
        break;
      case "icp":
        rows = await base.select(sql<string | null>`c.target_criteria->>'icp_target'`.as("group")).execute();
        break;
      case "variant":
        rows = await base.select(first("variant").as("group")).execute();
        break;
      case "account":
        rows = await base
          .select(
            sql<
              string | null
            >`(SELECT a.name FROM messages m JOIN accounts a ON a.id = m.account_id WHERE m.campaign_contact_id = cc.id AND m.sent_at IS NOT NULL ORDER BY m.sent_at, m.id LIMIT 1)`.as(
              "group",
            ),
          )
          .execute();
        break;
      case "step": {
        // One row per step sent: the window runs from that step's send.
        const stepRows = await db
          .selectFrom("messages as m")
          .innerJoin("campaign_contacts as cc", "cc.id", "m.campaign_contact_id")
          .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
          .where("c.offer_id", "=", offerId)
          .where("m.sent_at", "is not", null)
          .select([
            sql<string>`'step ' || COALESCE(m.sequence_step, 0)::text`.as("group"),
            "cc.id as campaignContactId",
            "cc.contact_id as contactId",
            "m.sent_at as firstTouchAt",
            // A reply is credited to the latest step sent before it.
            sql<Date | null>`CASE WHEN m.replied_at IS NOT NULL THEN m.replied_at ELSE (SELECT MIN(r.replied_at) FROM messages r
                WHERE r.campaign_contact_id = cc.id AND r.replied_at >= m.sent_at AND NOT EXISTS (SELECT 1 FROM messages later
                WHERE later.campaign_contact_id = cc.id AND later.sent_at > m.sent_at AND later.sent_at <= r.replied_at)) END`.as(
              "repliedAt",
            ),
            sql<Date | null>`(SELECT MIN(r.replied_at) FROM messages r WHERE r.campaign_contact_id = cc.id AND r.replied_at >= m.sent_at
                AND (r.reply_sentiment = 'positive' OR (r.reply_sentiment IS NULL AND cc.reply_sentiment = 'positive'))
                AND NOT EXISTS (SELECT 1 FROM messages later WHERE later.campaign_contact_id = cc.id AND later.sent_at > m.sent_at
                AND later.sent_at <= r.replied_at))`.as("positiveAt"),
            sql<Date | null>`(SELECT MIN(o.occurred_at) FROM outcomes o WHERE o.contact_id = cc.contact_id AND o.kind = 'meeting_booked'
                AND (o.campaign_id = cc.campaign_id OR o.campaign_id IS NULL) AND o.sequence_step = m.sequence_step)`.as("meetingAt"),
          ])
          .orderBy("m.sent_at")
          .orderBy("m.id")
          .execute();
        rows = stepRows;
        break;
      }
    }
    return rows.map((r) => ({
      contactId: r.contactId,
      campaignContactId: r.campaignContactId,
      group: r.group ?? "(none)",
      firstTouchAt: toDate(r.firstTouchAt),
      repliedAt: toDate(r.repliedAt),
      positiveAt: toDate(r.positiveAt),
      meetingAt: toDate(r.meetingAt),
      probability: 1,
      policy: null,
    }));
  },

  /**
   * The template a campaign contact's copy-variant assignment names for `step`, or null: the
   * planner sends it in place of its usual pick (only if it is approved, on the step's channel).
   */
  /**
   * The copy-variant templates assigned to a batch of campaign contacts, per step (the planner's
   * one read for a batch): `"<campaign contact id>|<step>"` → template id. The earliest
   * assignment wins.
   */
  async variantTemplatesFor(db: DbOrTrx, campaignContactIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (campaignContactIds.length === 0) return out;
    const rows = await db
      .selectFrom("experiment_assignments as ea")
      .innerJoin("experiments as e", "e.id", "ea.experiment_id")
      .innerJoin("experiment_arms as a", "a.id", "ea.arm_id")
      .select(["ea.campaign_contact_id", "e.sequence_step", "a.template_id"])
      .where("ea.campaign_contact_id", "in", [...campaignContactIds])
      .where("e.kind", "=", "copy_variants")
      .where("a.template_id", "is not", null)
      .orderBy("ea.assigned_at")
      .execute();
    for (const r of rows) {
      const key = `${r.campaign_contact_id}|${r.sequence_step}`;
      if (r.template_id && !out.has(key)) out.set(key, r.template_id);
    }
    return out;
  },
};
