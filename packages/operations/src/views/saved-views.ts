/**
 * Saved views of the dashboard: a name for a page's query string (the leads table's filters,
 * search, sort and columns). Saving drops the paging cursor (a view is a list, not one of its
 * pages); a name already taken on the page, in any case, is refused naming the field.
 */
import { OfferlabError } from "@offerlab/core";
import { savedViews, type SavedView, type SavedViewInput } from "@offerlab/db";
import { nowOf, type OperationContext } from "../context.js";

/** Query parameters that are a position in the list, not part of the view. */
const NOT_PART_OF_A_VIEW = ["after"];

/** The query of a view: its parameters in their order, without empty ones and the paging cursor. */
export function viewQuery(query: string): string {
  const params = new URLSearchParams(query.trim().replace(/^\?/, ""));
  const out = new URLSearchParams();
  for (const [k, v] of params) if (v.trim() !== "" && !NOT_PART_OF_A_VIEW.includes(k)) out.append(k, v);
  return out.toString();
}

export async function saveView(ctx: OperationContext, input: SavedViewInput): Promise<SavedView> {
  return savedViews.create(ctx.db, { ...input, query: viewQuery(input.query ?? ""), at: nowOf(ctx) });
}

export async function deleteView(ctx: OperationContext, input: { id: string }): Promise<{ deleted: SavedView }> {
  const view = await savedViews.delete(ctx.db, input.id);
  if (!view)
    throw new OfferlabError("not_found", `saved view "${input.id}" not found: it may have been deleted already (reload the leads page)`);
  return { deleted: view };
}
