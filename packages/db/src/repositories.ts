/**
 * References: what people type to name an offer, a campaign, an account or a template, resolved
 * the one way every command does, and the error for a reference that names no row or several.
 *
 * The repositories that lived here are one module per aggregate now (`aggregates/`, see
 * `index.ts`); this file keeps the references and their error.
 */
import { isUuid, normalizeDomain, normalizeEmail, normalizeLinkedInUrl, OfferlabError } from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "./database.generated.js";
import type { DbOrTrx } from "./transaction.js";

// Row types come from the generated schema here (not from the aggregate modules, which import
// `resolve` from this file), so references and aggregates do not import each other.
type Account = Selectable<Database["accounts"]>;
type Campaign = Selectable<Database["campaigns"]>;
type Company = Selectable<Database["companies"]>;
type Contact = Selectable<Database["contacts"]>;
type Offer = Selectable<Database["offers"]>;
type Template = Selectable<Database["message_templates"]>;

// ---------------------------------------------------------------------------------------------
// references: what people type to name an offer, a campaign, an account or a template
// ---------------------------------------------------------------------------------------------

/** The kinds of rows a person names by reference (a CLI argument or flag). */
export type RefKind = "offer" | "campaign" | "account" | "template" | "contact" | "company" | "suppression" | "experiment";

/** Where the candidates of each kind are listed, for the not-found message. */
export const REF_LIST_COMMANDS: Readonly<Record<RefKind, string>> = {
  offer: "offerlab offers list",
  campaign: "offerlab campaigns list",
  account: "offerlab accounts list",
  template: "offerlab templates list",
  contact: "offerlab export contacts --offer <offer>",
  company: "offerlab export companies --offer <offer>",
  suppression: "offerlab suppress list",
  experiment: "offerlab experiments list",
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
    if (isUuid(r)) return one("offer", ref, await db.selectFrom("offers").selectAll().where("id", "=", r).execute());
    const bySlug = await db.selectFrom("offers").selectAll().where("slug", "=", r).execute();
    if (bySlug.length > 0) return one("offer", ref, bySlug);
    return one(
      "offer",
      ref,
      await db
        .selectFrom("offers")
        .selectAll()
        .where(sql<string>`lower(name)`, "=", r.toLowerCase())
        .orderBy("created_at")
        .execute(),
    );
  },

  /** A campaign by id, slug (`campaign_slug`), or name (any case). */
  async campaign(db: DbOrTrx, ref: string): Promise<Campaign> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("campaign", ref);
    if (isUuid(r)) return one("campaign", ref, await db.selectFrom("campaigns").selectAll().where("id", "=", r).execute());
    const bySlug = await db.selectFrom("campaigns").selectAll().where("campaign_slug", "=", r).execute();
    if (bySlug.length > 0) return one("campaign", ref, bySlug);
    return one(
      "campaign",
      ref,
      await db
        .selectFrom("campaigns")
        .selectAll()
        .where(sql<string>`lower(name)`, "=", r.toLowerCase())
        .orderBy("created_at")
        .execute(),
    );
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
          ...(isUuid(r) ? [eb("id", "=", r)] : []),
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
   * A contact row by id, email address or LinkedIn profile URL (normalised). A person has one row
   * per offer: when the email or URL names rows of several offers, pass `offerId` (or the id).
   */
  async contact(db: DbOrTrx, ref: string, options: { offerId?: string } = {}): Promise<Contact> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("contact", ref);
    let q = db.selectFrom("contacts").selectAll();
    if (isUuid(r)) q = q.where("id", "=", r.toLowerCase());
    else {
      const email = r.includes("@") ? normalizeEmail(r) : null;
      const linkedin = email ? null : normalizeLinkedInUrl(r);
      if (email) q = q.where("email", "=", email);
      else if (linkedin) q = q.where("linkedin_url", "=", linkedin);
      else throw new NotFoundError("contact", ref);
    }
    if (options.offerId) q = q.where("offer_id", "=", options.offerId);
    return one("contact", ref, await q.orderBy("created_at").orderBy("id").execute());
  },

  /**
   * A company row by id, domain (or a website URL, normalised), or name (any case). A company has
   * one row per offer: when the reference names rows of several offers, pass `offerId` (or the id).
   */
  async company(db: DbOrTrx, ref: string, options: { offerId?: string } = {}): Promise<Company> {
    const r = ref.trim();
    if (r === "") throw new NotFoundError("company", ref);
    const scoped = () => {
      const q = db.selectFrom("companies").selectAll();
      return options.offerId ? q.where("offer_id", "=", options.offerId) : q;
    };
    if (isUuid(r)) return one("company", ref, await scoped().where("id", "=", r.toLowerCase()).execute());
    const domain = normalizeDomain(r);
    if (domain) {
      const byDomain = await scoped().where("domain", "=", domain).orderBy("created_at").orderBy("id").execute();
      if (byDomain.length > 0) return one("company", ref, byDomain);
    }
    return one(
      "company",
      ref,
      await scoped()
        .where(sql<string>`lower(name)`, "=", r.toLowerCase())
        .orderBy("created_at")
        .orderBy("id")
        .execute(),
    );
  },

  /**
   * A message template by id, by the start of its id as `offerlab templates list` shows it (at
   * least 8 characters), or by name (any case).
   */
  async template(db: DbOrTrx, ref: string): Promise<Template> {
    const r = ref.trim().toLowerCase();
    if (r === "") throw new NotFoundError("template", ref);
    if (isUuid(r)) return one("template", ref, await db.selectFrom("message_templates").selectAll().where("id", "=", r).execute());
    if (/^[0-9a-f-]{8,35}$/.test(r)) {
      const byPrefix = await db
        .selectFrom("message_templates")
        .selectAll()
        .where(sql<string>`id::text`, "like", `${r}%`)
        .limit(10)
        .execute();
      if (byPrefix.length > 0) return one("template", ref, byPrefix);
    }
    return one(
      "template",
      ref,
      await db
        .selectFrom("message_templates")
        .selectAll()
        .where(sql<string>`lower(name)`, "=", r)
        .orderBy("created_at")
        .execute(),
    );
  },
};
