/**
 * The tool aggregate: `tools` and `tool_usage`. Recording a provider call writes its usage row and
 * moves the tool's running totals in one transaction.
 */
import { ToolUsageInsert, ValidationError, parseOrThrow } from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";
import { encode } from "./shared.js";

export type Tool = Selectable<Database["tools"]>;
export type ToolUsage = Selectable<Database["tool_usage"]>;

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
      const row = await trx
        .insertInto("tool_usage")
        .values(encode("tool_usage", data) as never)
        .returningAll()
        .executeTakeFirstOrThrow();
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
    return inTransaction(db, run);
  },
};
