/** Start warming an account (limits ramp up over four weeks), move it to a week, or stop warming. */
import { ValidationError } from "@offerlab/core";
import { accountAdmin, type Account } from "@offerlab/db";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface WarmAccountInput {
  /** The account's id, name, email address or Unipile id. */
  account: string;
  /** The warming week to start at, 1–4. Default 1. */
  week?: number;
  /** Stop warming instead: full limits from now on. */
  stop?: boolean;
}

export async function warmAccount(ctx: OperationContext, input: WarmAccountInput): Promise<Account> {
  if (input.stop && input.week !== undefined)
    throw new ValidationError("warming", [{ field: "week", message: "give a week or stop warming, not both" }]);
  const now = nowOf(ctx);
  return inTransaction(ctx.db, (trx) =>
    input.stop
      ? accountAdmin.stopWarming(trx, input.account)
      : accountAdmin.startWarming(trx, input.account, { week: input.week ?? 1, now }),
  );
}
