/**
 * Repositories for the tables the apps write most: offers, companies, contacts, campaigns,
 * campaign_contacts, accounts, tools and tool_usage. Every write validates its input with core's
 * zod schemas first (a ValidationError names each bad field and nothing is written); JSONB goes
 * through `jsonb()`; dedupe keys are normalised with core's helpers.
 *
 * Each function takes the database (or a transaction) as its first argument, so callers compose
 * several calls in one transaction: `db.transaction().execute((trx) => companies.upsert(trx, …))`.
 */
import {
  AccountInsert,
  CampaignContactInsert,
  CampaignInsert,
  CompanyInsert,
  ContactInsert,
  OfferInsert,
  ToolUsageInsert,
  ValidationError,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedInUrl,
  parseOrThrow,
  slugify,
  jsonDocumentColumns,
  OfferlabError,
  type OfferStatus,
} from "@offerlab/core";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { Database } from "./database.generated.js";
import { jsonb } from "./jsonb.js";

export type DbOrTrx = Kysely<Database> | Transaction<Database>;

type Row<T extends keyof Database> = Selectable<Database[T]>;
export type Offer = Row<"offers">;
export type Company = Row<"companies">;
export type Contact = Row<"contacts">;
export type Campaign = Row<"campaigns">;
export type CampaignContact = Row<"campaign_contacts">;
export type Account = Row<"accounts">;
export type Tool = Row<"tools">;
export type ToolUsage = Row<"tool_usage">;
export type Template = Row<"message_templates">;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Encodes the JSONB columns of a validated row for Kysely (see `jsonb`). */
function encode<T extends Record<string, unknown>>(table: string, values: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const jsonCols = jsonDocumentColumns[table as keyof typeof jsonDocumentColumns] ?? [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] = (jsonCols as readonly string[]).includes(key) ? jsonb(value) : value;
  }
  return out;
}

function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e?.code !== "23505") return false;
  return !constraint || e.constraint === constraint || (e.message ?? "").includes(constraint);
}

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
      throw new ValidationError("offer", [
        { field: "client_name", message: "is required when ownership is \"client\" (name the client)" },
      ]);
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
    return (UUID_RE.test(idOrSlug) ? q.where("id", "=", idOrSlug) : q.where("slug", "=", idOrSlug)).executeTakeFirst();
  },

  /** Sets an offer's status; returns the updated row, or undefined when there is no such offer. */
  setStatus(db: DbOrTrx, id: string, status: OfferStatus): Promise<Offer | undefined> {
    return db.updateTable("offers").set({ status }).where("id", "=", id).returningAll().executeTakeFirst();
  },
};

// ---------------------------------------------------------------------------------------------
// companies
// ---------------------------------------------------------------------------------------------

const COMPANY_FILL = [
  "name",
  "url",
  "description",
  "size",
  "size_exact",
  "vertical",
  "industry",
  "headquarters_city",
  "headquarters_state",
  "headquarters_country",
  "fit_score",
  "fit_reasoning",
  "priority",
  "source_query",
  "source_raw",
  "disqualification_reason",
] as const;

export const companies = {
  /**
   * Inserts a company or merges it into the one with the same normalised domain for the offer.
   * Merge rule: a new non-null value fills a null, an existing value is never blanked or
   * replaced; `signals` are merged key by key, newer keys winning (signals are dated facts).
   * `status` and `source_tool` keep their first value. Returns the row and whether it was new.
   */
  async upsert(db: DbOrTrx, input: unknown): Promise<{ company: Company; created: boolean }> {
    const data = parseOrThrow(CompanyInsert, input, "company");
    const domain = data.domain == null ? null : normalizeDomain(data.domain);
    if (data.domain != null && domain === null) {
      throw new ValidationError("company", [
        { field: "domain", message: `"${data.domain}" is not a domain; pass e.g. "acme.com" or a URL` },
      ]);
    }
    const values = encode("companies", { ...data, domain });
    if (domain === null) {
      const company = await db.insertInto("companies").values(values as never).returningAll().executeTakeFirstOrThrow();
      return { company, created: true };
    }
    const row = await db
      .insertInto("companies")
      .values(values as never)
      .onConflict((oc) =>
        oc.columns(["offer_id", "domain"]).doUpdateSet((eb) => {
          const set: Record<string, unknown> = {};
          for (const col of COMPANY_FILL) {
            set[col] = eb.fn.coalesce(eb.ref(`companies.${col}`), eb.ref(`excluded.${col}`));
          }
          set.signals = sql`companies.signals || excluded.signals`;
          return set as never;
        }),
      )
      .returningAll()
      .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
      .executeTakeFirstOrThrow();
    const { inserted, ...company } = row as Company & { inserted: boolean };
    return { company, created: inserted };
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Company[]> {
    return db.selectFrom("companies").selectAll().where("offer_id", "=", offerId).orderBy("name").execute();
  },

  get(db: DbOrTrx, id: string): Promise<Company | undefined> {
    return db.selectFrom("companies").selectAll().where("id", "=", id).executeTakeFirst();
  },
};

// ---------------------------------------------------------------------------------------------
// contacts
// ---------------------------------------------------------------------------------------------

const CONTACT_FILL = [
  "first_name",
  "last_name",
  "full_name",
  "title",
  "title_normalized",
  "department",
  "seniority",
  "email",
  "email_status",
  "email_verification_source",
  "phone",
  "linkedin_url",
  "linkedin_id",
  "connection_degree",
  "buyer_fit_score",
  "priority",
  "source_raw",
  "notes",
] as const;

function normalizeContactKeys(data: { email?: string | null; linkedin_url?: string | null }) {
  const issues: { field: string; message: string }[] = [];
  const email = data.email == null ? null : normalizeEmail(data.email);
  if (data.email != null && email === null) {
    issues.push({ field: "email", message: `"${data.email}" is not an email address` });
  }
  const linkedin = data.linkedin_url == null ? null : normalizeLinkedInUrl(data.linkedin_url);
  if (data.linkedin_url != null && linkedin === null) {
    issues.push({
      field: "linkedin_url",
      message: `"${data.linkedin_url}" is not a LinkedIn profile URL; expected https://www.linkedin.com/in/<id>`,
    });
  }
  if (issues.length) throw new ValidationError("contact", issues);
  return { email, linkedin_url: linkedin };
}

export const contacts = {
  /**
   * Inserts a contact or merges it into the one of the same offer with the same normalised
   * email or LinkedIn URL (the spec's two unique keys). Merge rule as for companies: fill nulls,
   * never blank or replace. When the email matches one contact and the LinkedIn URL another,
   * the email match is kept and the LinkedIn URL is not copied onto it (it belongs to the other).
   */
  async upsert(db: DbOrTrx, input: unknown): Promise<{ contact: Contact; created: boolean }> {
    const data = parseOrThrow(ContactInsert, input, "contact");
    const keys = normalizeContactKeys(data);
    const values = { ...data, ...keys };
    const run = async (trx: DbOrTrx): Promise<{ contact: Contact; created: boolean }> => {
      if (keys.email || keys.linkedin_url) {
        const matches = await trx
          .selectFrom("contacts")
          .selectAll()
          .where("offer_id", "=", values.offer_id)
          .where((eb) =>
            eb.or([
              ...(keys.email ? [eb("email", "=", keys.email)] : []),
              ...(keys.linkedin_url ? [eb("linkedin_url", "=", keys.linkedin_url)] : []),
            ]),
          )
          .orderBy("created_at")
          .forUpdate()
          .execute();
        const existing = (keys.email && matches.find((m) => m.email === keys.email)) || matches[0];
        if (existing) {
          const set: Record<string, unknown> = {};
          const other = matches.find((m) => m.id !== existing.id);
          for (const col of CONTACT_FILL) {
            const incoming = (values as Record<string, unknown>)[col];
            if (incoming === undefined || incoming === null) continue;
            if ((existing as Record<string, unknown>)[col] !== null) continue;
            if (col === "linkedin_url" && other?.linkedin_url === incoming) continue;
            if (col === "email" && other?.email === incoming) continue;
            set[col] = col === "source_raw" ? jsonb(incoming) : incoming;
          }
          if (Object.keys(set).length === 0) return { contact: existing, created: false };
          const contact = await trx
            .updateTable("contacts")
            .set(set as never)
            .where("id", "=", existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          return { contact, created: false };
        }
      }
      const contact = await trx
        .insertInto("contacts")
        .values(encode("contacts", values) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { contact, created: true };
    };
    if ("isTransaction" in db && db.isTransaction) return run(db);
    // A concurrent insert of the same person between our read and our insert violates a unique
    // key and aborts that transaction; the next attempt reads the row and merges into it.
    for (let attempt = 0; ; attempt++) {
      try {
        return await (db as Kysely<Database>).transaction().execute(run);
      } catch (error) {
        if (attempt < 2 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Contact[]> {
    return db.selectFrom("contacts").selectAll().where("offer_id", "=", offerId).orderBy("full_name").execute();
  },

  get(db: DbOrTrx, id: string): Promise<Contact | undefined> {
    return db.selectFrom("contacts").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /**
   * Every contact row of the same person across all offers, matched by normalised email or
   * LinkedIn URL (the global 60-day rule and do-not-contact apply to all of them).
   */
  findPerson(db: DbOrTrx, person: { email?: string | null; linkedinUrl?: string | null }): Promise<Contact[]> {
    const email = person.email ? normalizeEmail(person.email) : null;
    const linkedin = person.linkedinUrl ? normalizeLinkedInUrl(person.linkedinUrl) : null;
    if (!email && !linkedin) return Promise.resolve([]);
    return db
      .selectFrom("contacts")
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(email ? [eb("email", "=", email)] : []),
          ...(linkedin ? [eb("linkedin_url", "=", linkedin)] : []),
        ]),
      )
      .orderBy("created_at")
      .execute();
  },
};

// ---------------------------------------------------------------------------------------------
// campaigns and campaign_contacts
// ---------------------------------------------------------------------------------------------

export const campaigns = {
  async create(db: DbOrTrx, input: unknown): Promise<Campaign> {
    const data = parseOrThrow(CampaignInsert, input, "campaign");
    if (data.send_window_start !== undefined && secondsOfDay(data.send_window_start) === DAY_SECONDS) {
      throw new ValidationError("campaign", [
        { field: "send_window_start", message: "24:00 is the end of a day; a window starts at 23:59 at the latest (use 00:00 for midnight)" },
      ]);
    }
    // As times, not text: 09:00 and 09:00:00 are the same instant of the day.
    const start = secondsOfDay(data.send_window_start ?? "09:00");
    const end = secondsOfDay(data.send_window_end ?? "17:00");
    if (start >= end) {
      throw new ValidationError("campaign", [
        { field: "send_window_end", message: `must be after send_window_start (${data.send_window_start ?? "09:00"})` },
      ]);
    }
    if (data.timezone && !isValidTimeZone(data.timezone)) {
      throw new ValidationError("campaign", [
        { field: "timezone", message: `"${data.timezone}" is not an IANA time zone (e.g. "Europe/Paris")` },
      ]);
    }
    try {
      return await db.insertInto("campaigns").values(encode("campaigns", data) as never).returningAll().executeTakeFirstOrThrow();
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
    return (UUID_RE.test(idOrSlug) ? q.where("id", "=", idOrSlug) : q.where("campaign_slug", "=", idOrSlug)).executeTakeFirst();
  },

  listByOffer(db: DbOrTrx, offerId: string): Promise<Campaign[]> {
    return db.selectFrom("campaigns").selectAll().where("offer_id", "=", offerId).orderBy("created_at").execute();
  },
};

export const campaignContacts = {
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

  listByCampaign(db: DbOrTrx, campaignId: string): Promise<CampaignContact[]> {
    return db.selectFrom("campaign_contacts").selectAll().where("campaign_id", "=", campaignId).orderBy("added_at").execute();
  },
};

// ---------------------------------------------------------------------------------------------
// accounts, tools, tool_usage
// ---------------------------------------------------------------------------------------------

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
      return await db.insertInto("accounts").values(data as never).returningAll().executeTakeFirstOrThrow();
    } catch (error) {
      // Two adds raced past the check above: the unique index decided; say it the same way (inside
      // a caller's transaction, which the violation aborted, without the other account's name).
      if ((error as { code?: string }).code !== "23505") throw error;
      const named = await sameRealAccount(db, data).catch(() => null);
      throw named ?? new ValidationError("account", [{ field: "unipile_account_id", message: "another account has the same Unipile account id or mailbox: one real account has one set of limits" }]);
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
};

export const tools = {
  list(db: DbOrTrx): Promise<Tool[]> {
    return db.selectFrom("tools").selectAll().orderBy("name").execute();
  },

  getByName(db: DbOrTrx, name: string): Promise<Tool | undefined> {
    return db.selectFrom("tools").selectAll().where("name", "=", name).executeTakeFirst();
  },
};

/** One provider call, as provider adapters report it through `onUsage`. */
export interface UsageRecord {
  /** Name of the tool row (`leadmagic`, `parallel_companies`, …). */
  tool: string;
  action: string;
  status: "success" | "error" | "rate_limited";
  credits?: number;
  durationMs?: number;
  resultsCount?: number;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  error?: string;
  offerId?: string | null;
  companyId?: string | null;
  contactId?: string | null;
  /**
   * A simulated call of the sandbox: the row is marked and the tool's running totals (what was
   * really spent) are not moved. Default false.
   */
  sandbox?: boolean;
}

/**
 * A request or response summary as the JSONB column holds it: what `JSON.stringify` keeps (a
 * property set to `undefined`, an optional parameter the call did not use, is left out; a Date is
 * its ISO string). Such a property made the whole row fail validation, so the call went unrecorded.
 */
function asJson(value: Record<string, unknown> | undefined): Record<string, unknown> | null {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}

export const toolUsage = {
  /**
   * Records a provider call and updates the tool's running totals in one transaction. An
   * unknown tool name fails with a ValidationError listing the known ones.
   */
  async record(db: DbOrTrx, usage: UsageRecord): Promise<ToolUsage> {
    const run = async (trx: DbOrTrx) => {
      const tool = await tools.getByName(trx, usage.tool);
      if (!tool) {
        const known = (await tools.list(trx)).map((t) => t.name).join(", ");
        throw new ValidationError("tool usage", [{ field: "tool", message: `unknown tool "${usage.tool}"; known: ${known}` }]);
      }
      const data = parseOrThrow(
        ToolUsageInsert,
        {
          tool_id: tool.id,
          offer_id: usage.offerId ?? null,
          company_id: usage.companyId ?? null,
          contact_id: usage.contactId ?? null,
          action: usage.action,
          request_params: asJson(usage.request),
          status: usage.status,
          response_summary: asJson(usage.response),
          results_count: usage.resultsCount ?? null,
          error_message: usage.error ?? null,
          credits_used: usage.credits ?? 0,
          duration_ms: usage.durationMs === undefined ? null : Math.round(usage.durationMs),
          sandbox: usage.sandbox === true,
        },
        "tool usage",
      );
      const row = await trx.insertInto("tool_usage").values(encode("tool_usage", data) as never).returningAll().executeTakeFirstOrThrow();
      if (usage.sandbox) return row;
      const ok = usage.status === "success";
      await trx
        .updateTable("tools")
        .set((eb) => ({
          total_requests: eb("total_requests", "+", 1),
          total_credits_used: eb("total_credits_used", "+", data.credits_used ?? 0),
          ...(ok ? { last_success_at: sql<Date>`now()` } : { last_error_at: sql<Date>`now()`, last_error: usage.error ?? usage.status }),
        }))
        .where("id", "=", tool.id)
        .execute();
      return row;
    };
    if ("isTransaction" in db && db.isTransaction) return run(db);
    return (db as Kysely<Database>).transaction().execute(run);
  },
};

/** The error for an account that would duplicate a real one we already have, or null. */
async function sameRealAccount(db: DbOrTrx, data: { type?: string; email_address?: string | null; unipile_account_id?: string | null }): Promise<ValidationError | null> {
  if (data.unipile_account_id) {
    const other = await db.selectFrom("accounts").select(["id", "name"]).where("unipile_account_id", "=", data.unipile_account_id).executeTakeFirst();
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

const DAY_SECONDS = 86_400;

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

// ---------------------------------------------------------------------------------------------
// references: what people type to name an offer, a campaign, an account or a template
// ---------------------------------------------------------------------------------------------

/** The kinds of rows a person names by reference (a CLI argument or flag). */
export type RefKind = "offer" | "campaign" | "account" | "template";

/** Where the candidates of each kind are listed, for the not-found message. */
export const REF_LIST_COMMANDS: Readonly<Record<RefKind, string>> = {
  offer: "offerlab offers list",
  campaign: "offerlab campaigns list",
  account: "offerlab accounts list",
  template: "offerlab templates list",
};

/**
 * A reference that names no row of its kind, or several (`matches` then holds their ids). The
 * message is one line naming the reference and where the candidates are listed:
 * `offer "x" not found: see offerlab offers list`. The CLI exits with code 2 on it.
 */
export class NotFoundError extends OfferlabError {
  override readonly name = "NotFoundError";

  constructor(
    readonly kind: RefKind,
    readonly ref: string,
    /** Ids of the rows an ambiguous reference names; empty when it names none. */
    readonly matches: readonly string[] = [],
  ) {
    super(
      matches.length > 1 ? "ambiguous_reference" : "not_found",
      matches.length > 1
        ? `${kind} "${ref}" is ambiguous: it names ${matches.length} ${kind}s (${matches.join(", ")}); pass the id (see ${REF_LIST_COMMANDS[kind]})`
        : `${kind} "${ref}" not found: see ${REF_LIST_COMMANDS[kind]}`,
    );
  }

  /** True for a NotFoundError of any copy of this package. */
  static override isInstance(error: unknown): error is NotFoundError {
    return OfferlabError.isNamed(error, "NotFoundError");
  }
}

/** The one row the candidates of a reference leave, or a NotFoundError (none, or several). */
function one<T extends { id: string }>(kind: RefKind, ref: string, rows: readonly T[]): T {
  if (rows.length === 1) return rows[0]!;
  throw new NotFoundError(kind, ref, rows.length > 1 ? rows.map((r) => r.id) : []);
}

/**
 * Finds the row a person names, the one way every command does. Each kind accepts its id and what
 * the product shows for it; a unique key wins over a name, and a name that several rows share is
 * refused as ambiguous (pass the id then). Nothing is ever cast: a reference that is not a UUID is
 * never compared with an id column. Throws {@link NotFoundError}.
 */
export const resolve = {
  /** An offer by id, slug, or name (any case). */
  async offer(db: DbOrTrx, ref: string): Promise<Offer> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("offer", ref);
    if (UUID_RE.test(r)) return one("offer", ref, await db.selectFrom("offers").selectAll().where("id", "=", r).execute());
    const bySlug = await db.selectFrom("offers").selectAll().where("slug", "=", r).execute();
    if (bySlug.length > 0) return one("offer", ref, bySlug);
    return one("offer", ref, await db.selectFrom("offers").selectAll().where(sql<string>`lower(name)`, "=", r.toLowerCase()).orderBy("created_at").execute());
  },

  /** A campaign by id, slug (`campaign_slug`), or name (any case). */
  async campaign(db: DbOrTrx, ref: string): Promise<Campaign> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("campaign", ref);
    if (UUID_RE.test(r)) return one("campaign", ref, await db.selectFrom("campaigns").selectAll().where("id", "=", r).execute());
    const bySlug = await db.selectFrom("campaigns").selectAll().where("campaign_slug", "=", r).execute();
    if (bySlug.length > 0) return one("campaign", ref, bySlug);
    return one("campaign", ref, await db.selectFrom("campaigns").selectAll().where(sql<string>`lower(name)`, "=", r.toLowerCase()).orderBy("created_at").execute());
  },

  /** An account by id, Unipile account id, exact name, or email address. */
  async account(db: DbOrTrx, ref: string): Promise<Account> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("account", ref);
    const email = normalizeEmail(r);
    const rows = await db
      .selectFrom("accounts")
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(UUID_RE.test(r) ? [eb("id", "=", r)] : []),
          eb("name", "=", r),
          eb("unipile_account_id", "=", r),
          ...(email ? [eb("email_address", "=", email)] : []),
        ]),
      )
      .orderBy("created_at")
      .execute();
    const exact = rows.find((a) => a.id === r.toLowerCase()) ?? rows.find((a) => a.unipile_account_id === r);
    return exact ?? one("account", ref, rows);
  },

  /**
   * A message template by id, by the start of its id as `offerlab templates list` shows it (at
   * least 8 characters), or by name (any case).
   */
  async template(db: DbOrTrx, ref: string): Promise<Template> {
    const r = ref.trim().toLowerCase();
    if (r === "") throw new NotFoundError("template", ref);
    if (UUID_RE.test(r)) return one("template", ref, await db.selectFrom("message_templates").selectAll().where("id", "=", r).execute());
    if (/^[0-9a-f-]{8,35}$/.test(r)) {
      const byPrefix = await db.selectFrom("message_templates").selectAll().where(sql<string>`id::text`, "like", `${r}%`).limit(10).execute();
      if (byPrefix.length > 0) return one("template", ref, byPrefix);
    }
    return one("template", ref, await db.selectFrom("message_templates").selectAll().where(sql<string>`lower(name)`, "=", r).orderBy("created_at").execute());
  },
};
