/**
 * Set a tool's own rate limits: at most `perMinute` calls per UTC minute and `perDay` per UTC day,
 * counted across every process on the database by the gate each vendor call goes through
 * (provider-kit `createRateGate`, db `toolRateLimits`). `null` removes a limit; a field left out
 * keeps its value. Throws `ValidationError` (`invalid_input`) naming the field for anything but a
 * whole number above 0, or for an unknown tool, and changes nothing.
 */
import { tools, type Tool } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";

export interface SetToolRateLimitsInput {
  /** The tool's name (`tools.name`: leadmagic, parallel_companies, …). */
  tool: string;
  /** Calls per UTC minute; null removes the limit; undefined keeps it. */
  perMinute?: number | null;
  /** Calls per UTC day; null removes the limit; undefined keeps it. */
  perDay?: number | null;
}

export interface SetToolRateLimitsResult {
  previous: { perMinute: number | null; perDay: number | null };
  tool: Tool;
}

export function setToolRateLimits(ctx: OperationContext, input: SetToolRateLimitsInput): Promise<SetToolRateLimitsResult> {
  return inTransaction(ctx.db, async (trx) => {
    const current = await tools.getByName(trx, input.tool);
    const previous = { perMinute: current?.rate_limit_per_minute ?? null, perDay: current?.rate_limit_per_day ?? null };
    const tool = await tools.setToolRateLimits(trx, input.tool, {
      perMinute: input.perMinute === undefined ? previous.perMinute : input.perMinute,
      perDay: input.perDay === undefined ? previous.perDay : input.perDay,
    });
    return { previous, tool };
  });
}
