/**
 * The saved-views aggregate: every write of `saved_views`. A saved view is a name for a dashboard
 * page's query string (the leads table's filters, search, sort and columns); names are unique per
 * page without regard to case, and a second view of the same name is refused naming the field.
 */
import { ValidationError, isUuid } from "@offerlab/core";
import type { Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import type { DbOrTrx } from "../transaction.js";

export type SavedView = Selectable<Database["saved_views"]>;
export const SAVED_VIEW_PAGES = ["leads"] as const;
export type SavedViewPage = (typeof SAVED_VIEW_PAGES)[number];
export const SAVED_VIEW_NAME_MAX = 60;
export const SAVED_VIEW_QUERY_MAX = 2000;

export interface SavedViewInput {
  page?: SavedViewPage;
  name: string;
  /** The page's query string, without the leading "?". */
  query: string;
}

/** The checked name and query of a view, or a ValidationError naming each bad field. */
export function parseSavedView(input: SavedViewInput): { page: SavedViewPage; name: string; query: string } {
  const issues: { field: string; message: string }[] = [];
  const page = input.page ?? "leads";
  if (!(SAVED_VIEW_PAGES as readonly string[]).includes(page))
    issues.push({ field: "page", message: `must be one of ${SAVED_VIEW_PAGES.join(", ")} (got "${page}")` });
  const name = typeof input.name === "string" ? input.name.trim().replace(/\s+/g, " ") : "";
  if (name === "") issues.push({ field: "name", message: 'is required (give the view a name, e.g. "Hot leads")' });
  else if (name.length > SAVED_VIEW_NAME_MAX)
    issues.push({ field: "name", message: `is ${name.length} characters long; use at most ${SAVED_VIEW_NAME_MAX}` });
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(name)) issues.push({ field: "name", message: "must not contain control characters" });
  const query = typeof input.query === "string" ? input.query.trim().replace(/^\?/, "") : "";
  if (query.length > SAVED_VIEW_QUERY_MAX)
    issues.push({ field: "query", message: `is ${query.length} characters long; a view keeps at most ${SAVED_VIEW_QUERY_MAX}` });
  if (issues.length) throw new ValidationError("saved view", issues);
  return { page, name, query };
}

export const savedViews = {
  /** The views of a page, by name. */
  async list(db: DbOrTrx, page: SavedViewPage = "leads"): Promise<SavedView[]> {
    return db
      .selectFrom("saved_views")
      .selectAll()
      .where("page", "=", page)
      .orderBy(({ fn }) => fn("lower", ["name"]))
      .execute();
  },

  /**
   * Saves a view; a view of the same page and name (any case) already there is refused with a
   * ValidationError on `name`, and nothing is written.
   */
  async create(db: DbOrTrx, input: SavedViewInput & { at?: Date }): Promise<SavedView> {
    const view = parseSavedView(input);
    const row = await db
      .insertInto("saved_views")
      .values({ ...view, ...(input.at ? { created_at: input.at } : {}) })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new ValidationError("saved view", [
        { field: "name", message: `a view named "${view.name}" already exists: pick another name, or delete that view first` },
      ]);
    return row;
  },

  /** Deletes a view and returns it; undefined when there was none with that id (or it is no id). */
  async delete(db: DbOrTrx, id: string): Promise<SavedView | undefined> {
    if (!isUuid(id)) return undefined;
    return db.deleteFrom("saved_views").where("id", "=", id).returningAll().executeTakeFirst();
  },
};
