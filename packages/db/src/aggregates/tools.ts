/**
 * The tool aggregate: `tools`, `tool_usage` and `tool_rate_windows`. Recording a provider call
 * writes its usage row and moves the tool's running totals (and its credit balance, when the
 * vendor reported one) in one transaction. `toolRateLimits.consume` is the counter behind the
 * one gate every vendor call goes through (provider-kit `createRateGate`).
 */
import { ToolUsageInsert, ValidationError, parseOrThrow } from "@offerlab/core";
import { sql, type Selectable } from "kysely";
import type { Database } from "../database.generated.js";
import { inTransaction, type DbOrTrx } from "../transaction.js";
import { encode } from "./shared.js";

export type Tool = Selectable<Database["tools"]>;
export type ToolUsage = Selectable<Database["tool_usage"]>;

/** A vendor's credit balance as it reported it (see `UsageEvent.balance` in provider-kit). */
export interface ToolBalance {
  /** Credits left. Fractions are rounded down (the column is an integer); negatives count as 0. */
  remaining: number;
  /**
   * When the balance resets (the billing period's end), if the vendor says. `undefined` leaves
   * the stored date as it is (most responses that carry a balance do not carry the date); `null`
   * clears it.
   */
  resetAt?: Date | string | null;
}

/** A tool's own rate limits (`tools.rate_limit_per_minute` / `_per_day`); null = no limit of ours. */
export interface ToolRateLimits {
  perMinute: number | null;
  perDay: number | null;
}

async function toolOrThrow(db: DbOrTrx, name: string, subject: string): Promise<Tool> {
  const tool = await tools.getByName(db, name);
  if (tool) return tool;
  const known = (await tools.list(db)).map((t) => t.name).join(", ");
  throw new ValidationError(subject, [{ field: "tool", message: `unknown tool "${name}"; known: ${known}` }]);
}

function limitIssue(field: string, value: number | null): { field: string; message: string }[] {
  if (value === null || (Number.isSafeInteger(value) && value > 0)) return [];
  return [{ field, message: `must be a whole number of calls above 0, or none to remove the limit (got ${String(value)})` }];
}

export const tools = {
  list(db: DbOrTrx): Promise<Tool[]> {
    return db.selectFrom("tools").selectAll().orderBy("name").execute();
  },

  getByName(db: DbOrTrx, name: string): Promise<Tool | undefined> {
    return db.selectFrom("tools").selectAll().where("name", "=", name).executeTakeFirst();
  },

  /**
   * Transition: the vendor reported the tool's credit balance. Sets `credits_remaining` (and
   * `credits_reset_at` when given). Written for sandbox calls too: a sandbox database is the
   * sandbox's own (data modes), so its tools show the simulated balances.
   */
  async recordToolBalance(db: DbOrTrx, name: string, balance: ToolBalance): Promise<void> {
    if (!Number.isFinite(balance.remaining)) {
      throw new ValidationError("tool balance", [{ field: "remaining", message: `must be a number (got ${String(balance.remaining)})` }]);
    }
    const resetAt = balance.resetAt === undefined || balance.resetAt === null ? balance.resetAt : new Date(balance.resetAt);
    if (resetAt instanceof Date && Number.isNaN(resetAt.getTime())) {
      throw new ValidationError("tool balance", [{ field: "resetAt", message: `must be a date (got ${String(balance.resetAt)})` }]);
    }
    const tool = await toolOrThrow(db, name, "tool balance");
    await db
      .updateTable("tools")
      .set({
        credits_remaining: Math.max(0, Math.floor(balance.remaining)),
        ...(resetAt !== undefined ? { credits_reset_at: resetAt } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", tool.id)
      .execute();
  },

  /**
   * Transition: a person set the tool's own rate limits (null removes one). Bad input fails
   * with a ValidationError naming the field, and changes nothing.
   */
  async setToolRateLimits(db: DbOrTrx, name: string, limits: ToolRateLimits): Promise<Tool> {
    const issues = [...limitIssue("perMinute", limits.perMinute), ...limitIssue("perDay", limits.perDay)];
    if (issues.length) throw new ValidationError("rate limits", issues);
    const tool = await toolOrThrow(db, name, "rate limits");
    return db
      .updateTable("tools")
      .set({ rate_limit_per_minute: limits.perMinute, rate_limit_per_day: limits.perDay, updated_at: sql<Date>`now()` })
      .where("id", "=", tool.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },
};

/** The windows a tool's limits are counted in; both in UTC. */
export type RateWindowKind = "minute" | "day";

/** What the gate's counter answered for one call. */
export type RateVerdict =
  | { ok: true }
  | {
      ok: false;
      /** The window that is full. */
      window: RateWindowKind;
      /** Its limit (`tools.rate_limit_per_minute` or `_per_day`). */
      limit: number;
      /** When that window rolls over and calls are admitted again. */
      retryAt: Date;
    };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Start and end of the window holding `at` (UTC minutes and UTC days). */
export function rateWindow(kind: RateWindowKind, at: Date): { start: Date; end: Date } {
  const size = kind === "minute" ? MINUTE_MS : DAY_MS;
  const start = Math.floor(at.getTime() / size) * size;
  return { start: new Date(start), end: new Date(start + size) };
}

export const toolRateLimits = {
  /**
   * Takes one call from the tool's current minute and day windows, or none when either is full:
   * each is one upsert guarded by `used < limit`, so concurrent callers in any number of
   * processes serialise on the window row and never pass the limit together. A tool without
   * limits admits every call and writes nothing. `at` is the caller's clock (tests inject it).
   */
  async consume(db: DbOrTrx, name: string, at: Date): Promise<RateVerdict> {
    return inTransaction(db, async (trx) => {
      const tool = await toolOrThrow(trx, name, "rate limit");
      const limits: [RateWindowKind, number | null][] = [
        ["day", tool.rate_limit_per_day],
        ["minute", tool.rate_limit_per_minute],
      ];
      const taken: RateWindowKind[] = [];
      for (const [kind, limit] of limits) {
        if (limit === null) continue;
        const { start, end } = rateWindow(kind, at);
        const row = await trx
          .insertInto("tool_rate_windows")
          .values({ tool_id: tool.id, window_kind: kind, window_start: start, used: 1 })
          .onConflict((oc) =>
            oc
              .columns(["tool_id", "window_kind", "window_start"])
              .doUpdateSet((eb) => ({ used: eb("tool_rate_windows.used", "+", 1) }))
              .where("tool_rate_windows.used", "<", limit),
          )
          .returning("used")
          .executeTakeFirst();
        if (!row) {
          // Give back what this call took from the other window: a refused call costs nothing.
          for (const k of taken) {
            await trx
              .updateTable("tool_rate_windows")
              .set((eb) => ({ used: eb("used", "-", 1) }))
              .where("tool_id", "=", tool.id)
              .where("window_kind", "=", k)
              .where("window_start", "=", rateWindow(k, at).start)
              .where("used", ">", 0)
              .execute();
          }
          return { ok: false, window: kind, limit, retryAt: end };
        }
        taken.push(kind);
        // A new day: forget the tool's windows older than yesterday.
        if (kind === "day" && row.used === 1) {
          await trx
            .deleteFrom("tool_rate_windows")
            .where("tool_id", "=", tool.id)
            .where("window_start", "<", new Date(start.getTime() - DAY_MS))
            .execute();
        }
      }
      return { ok: true };
    });
  },

  /** Calls taken in the current minute and day windows of every tool (`offerlab tools list`). */
  async usage(db: DbOrTrx, at: Date): Promise<Map<string, { minute: number; day: number }>> {
    const rows = await db
      .selectFrom("tool_rate_windows as w")
      .innerJoin("tools as t", "t.id", "w.tool_id")
      .select(["t.name", "w.window_kind", "w.used"])
      .where((eb) =>
        eb.or([
          eb.and([eb("w.window_kind", "=", "minute"), eb("w.window_start", "=", rateWindow("minute", at).start)]),
          eb.and([eb("w.window_kind", "=", "day"), eb("w.window_start", "=", rateWindow("day", at).start)]),
        ]),
      )
      .execute();
    const out = new Map<string, { minute: number; day: number }>();
    for (const r of rows) {
      const entry = out.get(r.name) ?? { minute: 0, day: 0 };
      entry[r.window_kind as RateWindowKind] = r.used;
      out.set(r.name, entry);
    }
    return out;
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
  /** The credit balance the vendor reported with this call, if it did (recorded on the tool). */
  balance?: ToolBalance;
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
      const tool = await toolOrThrow(trx, usage.tool, "tool usage");
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
      if (usage.balance) await tools.recordToolBalance(trx, usage.tool, usage.balance);
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
