/**
 * The offer aggregate: `offers` and the copy that belongs to an offer (`message_templates`).
 *
 * An offer's copy lives twice, on purpose: as documents on the offer (`email_templates`,
 * `linkedin_templates`, as generated and edited) and as `message_templates` rows (what is
 * reviewed, approved and sent). Each row made from the documents carries a `template_key`
 * (`email.1`, `linkedin.connection_request` …); when the documents change, rows whose text changed
 * are archived and replaced by new drafts, so edited copy is never sent without a new approval.
 *
 * Every write of `offers` and `message_templates` in this package is here: creating an offer
 * (with or without its copy), editing it, status changes by the lifecycle, activation by a
 * campaign launch, template status changes and the copy of a template bound to a campaign step.
 */
import {
  OfferInsert,
  ValidationError,
  isUuid,
  offerStatusTransitions,
  parseOrThrow,
  slugify,
  statusChangeProblem,
  type EmailTemplates,
  type LinkedInTemplates,
  type MessageChannel,
  type MessageTemplateStatus,
  type OfferStatus,
} from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import { jsonb } from "../jsonb.js";
import { resolve } from "../repositories.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";
import { encode, isUniqueViolation } from "./shared.js";

export type Offer = Selectable<Database["offers"]>;
export type Template = Selectable<Database["message_templates"]>;

// ---------------------------------------------------------------------------------------------
// offers
// ---------------------------------------------------------------------------------------------

/** What `offers.create` accepts: an offer insert, with unknown fields rejected. */
export const OfferCreateInput = OfferInsert.strict();

export const offers = {
  /**
   * Creates an offer. The slug defaults to the slugified name; a slug already taken fails with a
   * ValidationError on `slug` rather than a constraint error.
   */
  async create(db: DbOrTrx, input: unknown): Promise<Offer> {
    const data = parseOrThrow(OfferCreateInput, input, "offer");
    if (data.ownership === "client" && !data.client_name) {
      throw new ValidationError("offer", [{ field: "client_name", message: 'is required when ownership is "client" (name the client)' }]);
    }
    const slug = data.slug ?? slugify(data.name, 60);
    try {
      return await db
        .insertInto("offers")
        .values(encode("offers", { ...data, slug }) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error, "offers_slug_key")) {
        throw new ValidationError("offer", [
          { field: "slug", message: `"${slug}" is already used by another offer; pass a different slug` },
        ]);
      }
      throw error;
    }
  },

  /** Offers, newest first, optionally filtered by status. */
  list(db: DbOrTrx, filter: { status?: OfferStatus } = {}): Promise<Offer[]> {
    let q = db.selectFrom("offers").selectAll().orderBy("created_at", "desc").orderBy("name");
    if (filter.status) q = q.where("status", "=", filter.status);
    return q.execute();
  },

  /** An offer by id or slug, or undefined. */
  get(db: DbOrTrx, idOrSlug: string): Promise<Offer | undefined> {
    const q = db.selectFrom("offers").selectAll();
    return (isUuid(idOrSlug) ? q.where("id", "=", idOrSlug) : q.where("slug", "=", idOrSlug)).executeTakeFirst();
  },

  /** Sets an offer's status; returns the updated row, or undefined when there is no such offer. */
  setStatus(db: DbOrTrx, id: string, status: OfferStatus): Promise<Offer | undefined> {
    return db.updateTable("offers").set({ status }).where("id", "=", id).returningAll().executeTakeFirst();
  },

  /**
   * Makes an offer `active` because one of its campaigns launched, when it was `draft`, `ready`
   * or `paused` (a completed or killed offer keeps its status). Returns whether it changed.
   */
  async activateForLaunch(db: DbOrTrx, id: string): Promise<boolean> {
    const row = await db
      .updateTable("offers")
      .set({ status: "active" })
      .where("id", "=", id)
      .where("status", "in", ["draft", "ready", "paused"])
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// offers with their copy, and message templates
// ---------------------------------------------------------------------------------------------

export type MessageTemplate = Template;

const DOCS = ["positioning", "icp", "email_templates", "linkedin_templates"] as const;

/** One template made from an offer's copy documents. */
export interface CopyTemplate {
  template_key: string;
  name: string;
  channel: MessageChannel;
  sequence_step: number | null;
  subject: string | null;
  body: string;
}

const LINKEDIN_KEYS = [
  ["connection_request", "linkedin_connect", "LinkedIn invitation note"],
  ["follow_up_dm", "linkedin_dm", "LinkedIn follow-up DM"],
  ["inmail", "linkedin_inmail", "LinkedIn InMail"],
] as const;

/**
 * The templates an offer's copy documents describe: one per email of the sequence (its step number
 * as `sequence_step`, so an email campaign's step N sends email N) and one per LinkedIn template
 * (any step).
 */
export function templatesFromCopy(copy: {
  email_templates?: EmailTemplates | null;
  linkedin_templates?: LinkedInTemplates | null;
}): CopyTemplate[] {
  const out: CopyTemplate[] = [];
  for (const email of copy.email_templates?.sequence ?? []) {
    out.push({
      template_key: `email.${email.step}`,
      name: `Email ${email.step}`,
      channel: "email",
      sequence_step: email.step,
      subject: email.subject === "" ? null : email.subject,
      body: email.body,
    });
  }
  for (const [key, channel, name] of LINKEDIN_KEYS) {
    const body = copy.linkedin_templates?.[key];
    if (body !== undefined) out.push({ template_key: `linkedin.${key}`, name, channel, sequence_step: null, subject: null, body });
  }
  return out;
}

/** What syncing an offer's templates did. */
export interface TemplateSync {
  created: MessageTemplate[];
  /** Templates kept because their text did not change (approved ones stay approved). */
  kept: number;
  /** Templates archived because their text changed or they are no longer in the copy. */
  archived: number;
}

/** Inserts, keeps or archives the offer's `message_templates` so they match its copy documents. */
async function syncTemplates(trx: DbOrTrx, offer: Offer): Promise<TemplateSync> {
  const wanted = templatesFromCopy(offer);
  const existing = await trx
    .selectFrom("message_templates")
    .selectAll()
    .where("offer_id", "=", offer.id)
    .where("campaign_id", "is", null)
    .where("template_key", "is not", null)
    .where("status", "<>", "archived")
    .execute();
  const result: TemplateSync = { created: [], kept: 0, archived: 0 };
  const keep = new Set<string>();
  for (const w of wanted) {
    const same = existing.find(
      (e) =>
        e.template_key === w.template_key &&
        e.channel === w.channel &&
        e.body === w.body &&
        (e.subject ?? null) === w.subject &&
        e.sequence_step === w.sequence_step,
    );
    if (same) {
      keep.add(same.id);
      result.kept++;
      continue;
    }
    result.created.push(
      await trx
        .insertInto("message_templates")
        .values({ offer_id: offer.id, ...w, status: "draft" })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }
  const stale = existing.filter((e) => !keep.has(e.id)).map((e) => e.id);
  if (stale.length) {
    await trx.updateTable("message_templates").set({ status: "archived" }).where("id", "in", stale).execute();
    result.archived = stale.length;
  }
  return result;
}

/** What `offerCopy.update` accepts: any of the offer's editable fields; unknown fields are rejected. */
export const OfferUpdateInput = OfferInsert.pick({
  name: true,
  slug: true,
  type: true,
  ownership: true,
  client_name: true,
  description: true,
  problem_solved: true,
  value_proposition: true,
  price_range: true,
  positioning: true,
  icp: true,
  email_templates: true,
  linkedin_templates: true,
})
  .partial()
  .strict();

function encodeOffer(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] = (DOCS as readonly string[]).includes(key) ? jsonb(value) : value;
  }
  return out;
}

/** An offer by id, slug or name ({@link resolve}`.offer`); a NotFoundError otherwise. */
function requireOffer(db: DbOrTrx, ref: string): Promise<Offer> {
  return resolve.offer(db, ref);
}

/**
 * Why an offer may not move from its status to `status` (by the lifecycle, and `ready`/`active`
 * need an ICP and an approved template); empty when it may.
 */
async function statusIssues(
  trx: DbOrTrx,
  current: Pick<Offer, "id" | "status" | "icp">,
  status: OfferStatus,
): Promise<{ field: string; message: string }[]> {
  const problem = statusChangeProblem("offer", current.status, status);
  if (problem) return [{ field: "status", message: problem }];
  const issues = [];
  if ((status === "ready" || status === "active") && current.status !== status) {
    if (!current.icp)
      issues.push({
        field: "icp",
        message: `is not set; an offer is ${status} once its ICP and copy are (generate them with \`offerlab offers new\` or set them with \`offerlab offers edit\`)`,
      });
    const approved = await trx
      .selectFrom("message_templates")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("offer_id", "=", current.id)
      .where("status", "=", "approved")
      .executeTakeFirstOrThrow();
    if (approved.n === 0)
      issues.push({
        field: "templates",
        message: "none is approved: review them with `offerlab templates list` and approve with `offerlab templates approve`",
      });
  }
  return issues;
}

export const offerCopy = {
  /**
   * Creates an offer with its copy (positioning, ICP, email and LinkedIn templates) and a draft
   * `message_templates` row for each template, in one transaction: all or nothing. A new offer
   * starts as a draft: a `status` other than `draft` must be one a draft may move to, with the same
   * checks as {@link offerCopy.setStatus} (so `ready` or `active` are refused: new templates are
   * drafts, approved by a person first).
   */
  async create(db: DbOrTrx, input: unknown): Promise<{ offer: Offer; templates: MessageTemplate[] }> {
    const data = parseOrThrow(OfferCreateInput, input, "offer");
    const status = data.status ?? "draft";
    return inTransaction(db, async (trx) => {
      let offer = await offers.create(trx, { ...data, status: "draft" });
      const sync = await syncTemplates(trx, offer);
      if (status !== "draft") {
        const issues = await statusIssues(trx, offer, status);
        if (issues.length)
          throw new ValidationError(
            "offer",
            issues.map((i) => ({ ...i, message: `${i.message} (a new offer is created as a draft first)` })),
          );
        offer = await trx.updateTable("offers").set({ status }).where("id", "=", offer.id).returningAll().executeTakeFirstOrThrow();
      }
      return { offer, templates: sync.created };
    });
  },

  /**
   * Changes an offer's fields. Validates the change against the whole offer (a client offer keeps
   * a client name), refuses a slug already used, and when the copy documents change, brings the
   * offer's templates in line (see the module note). Nothing is written when anything is wrong.
   */
  async update(db: DbOrTrx, idOrSlug: string, patch: unknown): Promise<{ offer: Offer; templates: TemplateSync }> {
    const data = parseOrThrow(OfferUpdateInput, patch, "offer");
    if (Object.keys(data).length === 0) {
      throw new ValidationError("offer", [{ field: "(input)", message: "nothing to change: pass at least one field" }]);
    }
    return inTransaction(db, async (trx) => {
      const current = await requireOffer(trx, idOrSlug);
      const merged = { ...current, ...data };
      if (merged.ownership === "client" && !merged.client_name) {
        throw new ValidationError("offer", [{ field: "client_name", message: 'is required when ownership is "client" (name the client)' }]);
      }
      if (data.slug !== undefined && data.slug !== null) {
        const slug = slugify(data.slug, 60);
        if (slug !== data.slug) {
          throw new ValidationError("offer", [{ field: "slug", message: `must be lowercase letters, digits and hyphens, e.g. "${slug}"` }]);
        }
      }
      let offer: Offer;
      try {
        offer = await trx
          .updateTable("offers")
          .set(encodeOffer(data) as never)
          .where("id", "=", current.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (error) {
        if (isUniqueViolation(error, "offers_slug_key")) {
          throw new ValidationError("offer", [
            { field: "slug", message: `"${data.slug}" is already used by another offer; pass a different slug` },
          ]);
        }
        throw error;
      }
      const copyChanged = data.email_templates !== undefined || data.linkedin_templates !== undefined;
      const templates = copyChanged ? await syncTemplates(trx, offer) : { created: [], kept: 0, archived: 0 };
      return { offer, templates };
    });
  },

  /**
   * Moves an offer to `status` by the lifecycle (`offerStatusTransitions`). `ready` and `active`
   * need an ICP and at least one approved template. Returns the offer and the number of its
   * campaigns that are active (they keep their status, but send nothing while the offer is not
   * active, and go on when it is active again).
   */
  async setStatus(
    db: DbOrTrx,
    idOrSlug: string,
    status: OfferStatus,
  ): Promise<{ offer: Offer; previous: OfferStatus; activeCampaigns: number }> {
    if (!(status in offerStatusTransitions)) {
      throw new ValidationError("offer", [
        { field: "status", message: `must be one of ${Object.keys(offerStatusTransitions).join(", ")}` },
      ]);
    }
    return inTransaction(db, async (trx) => {
      const current = await requireOffer(trx, idOrSlug);
      const issues = await statusIssues(trx, current, status);
      if (issues.length) throw new ValidationError("offer", issues);
      const offer = await trx.updateTable("offers").set({ status }).where("id", "=", current.id).returningAll().executeTakeFirstOrThrow();
      const active = await trx
        .selectFrom("campaigns")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("offer_id", "=", current.id)
        .where("status", "=", "active")
        .executeTakeFirstOrThrow();
      return { offer, previous: current.status, activeCampaigns: active.n };
    });
  },
};

/** Filters of `messageTemplates.list`. */
export interface TemplateFilter {
  offerId?: string;
  status?: MessageTemplateStatus;
  channel?: MessageChannel;
  /** Include archived templates (default: only when `status` is `archived`). */
  includeArchived?: boolean;
}

export const messageTemplates = {
  /** Templates with their offer's slug, by offer, channel, step and creation. */
  list(
    db: DbOrTrx,
    filter: TemplateFilter = {},
  ): Promise<(MessageTemplate & { offer_slug: string | null; campaign_slug: string | null })[]> {
    let q = db
      .selectFrom("message_templates as t")
      .innerJoin("offers as o", "o.id", "t.offer_id")
      .leftJoin("campaigns as c", "c.id", "t.campaign_id")
      .selectAll("t")
      .select(["o.slug as offer_slug", "c.campaign_slug as campaign_slug"]);
    if (filter.offerId) q = q.where("t.offer_id", "=", filter.offerId);
    if (filter.channel) q = q.where("t.channel", "=", filter.channel);
    if (filter.status) q = q.where("t.status", "=", filter.status);
    else if (!filter.includeArchived) q = q.where("t.status", "<>", "archived");
    return q
      .orderBy("o.slug")
      .orderBy("t.campaign_id", "desc")
      .orderBy("t.channel")
      .orderBy("t.sequence_step")
      .orderBy("t.created_at")
      .execute();
  },

  /**
   * Templates by id, unique id prefix (at least 8 characters, as `templates list` shows them) or
   * name ({@link resolve}`.template`), each once, in the order given. Throws a NotFoundError for
   * the first reference that matches none or several.
   */
  async find(db: DbOrTrx, refs: readonly string[]): Promise<MessageTemplate[]> {
    const found: MessageTemplate[] = [];
    for (const ref of refs) {
      const t = await resolve.template(db, ref);
      if (!found.some((f) => f.id === t.id)) found.push(t);
    }
    return found;
  },

  /**
   * Sets templates' status (`approved`, `draft` or `archived`) in one statement; returns the
   * updated rows. Linting before approval is the caller's (the CLI lints with `@offerlab/copy`).
   */
  setStatus(db: DbOrTrx, ids: readonly string[], status: MessageTemplateStatus): Promise<MessageTemplate[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db.updateTable("message_templates").set({ status }).where("id", "in", ids).returningAll().execute();
  },

  /**
   * Adds a copy variant of an offer template's step: a new draft `message_templates` row on the
   * same offer, channel and step (or, for a template of every step of its channel, such as the
   * LinkedIn note, of every step too), labelled `variant` (the source gets label `A` if it had none).
   * Each variant is linted and approved on its own. A label taken on that step is a field error.
   */
  async addVariant(
    db: DbOrTrx,
    input: { templateId: string; variant: string; body: string; subject?: string | null; name?: string },
  ): Promise<{ template: MessageTemplate; source: MessageTemplate }> {
    return inTransaction(db, async (trx) => {
      let source = await trx.selectFrom("message_templates").selectAll().where("id", "=", input.templateId).executeTakeFirstOrThrow();
      if (source.campaign_id !== null) {
        throw new ValidationError("template", [
          {
            field: "template",
            message: "variants belong to an offer template, not a campaign's copy; pick one in offerlab templates list",
          },
        ]);
      }
      if (source.variant === null) {
        source = await trx
          .updateTable("message_templates")
          .set({ variant: "A" })
          .where("id", "=", source.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      }
      const taken = await trx
        .selectFrom("message_templates")
        .select("id")
        .where("offer_id", "=", source.offer_id)
        .where("channel", "=", source.channel)
        .where((eb) => (source.sequence_step === null ? eb("sequence_step", "is", null) : eb("sequence_step", "=", source.sequence_step)))
        .where("campaign_id", "is", null)
        .where("status", "<>", "archived")
        .where("variant", "=", input.variant)
        .executeTakeFirst();
      if (taken) {
        throw new ValidationError("template", [
          {
            field: "variant",
            message: `${source.sequence_step === null ? `the ${source.channel} template` : `step ${source.sequence_step}`} already has a variant "${input.variant}"; pass another label`,
          },
        ]);
      }
      const template = await trx
        .insertInto("message_templates")
        .values({
          offer_id: source.offer_id,
          campaign_id: null,
          name: input.name ?? `${source.name} (${input.variant})`,
          channel: source.channel,
          sequence_step: source.sequence_step,
          template_key: source.template_key,
          subject: input.subject === undefined ? source.subject : input.subject,
          body: input.body,
          status: "draft",
          variant: input.variant,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { template, source };
    });
  },

  /**
   * Binds an offer template to a campaign step: an approved copy of it for that campaign and step
   * (what a launch does for each binding). Throws when there is no template `templateId`.
   */
  async bindToCampaign(db: DbOrTrx, binding: { templateId: string; campaignId: string; step: number }): Promise<MessageTemplate> {
    const source = await db.selectFrom("message_templates").selectAll().where("id", "=", binding.templateId).executeTakeFirstOrThrow();
    return db
      .insertInto("message_templates")
      .values({
        offer_id: source.offer_id,
        campaign_id: binding.campaignId,
        name: `${source.name} (campaign step ${binding.step})`,
        channel: source.channel,
        sequence_step: binding.step,
        template_key: source.template_key,
        subject: source.subject,
        body: source.body,
        status: "approved",
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },
};
