/** Pause an account: it sends nothing until resumed (its queued sends wait). */
import { accountAdmin, type Account } from "@offerlab/db";
import type { AccountStatus } from "@offerlab/core";
import { inTransaction, type OperationContext } from "../context.js";

export interface AccountStatusResult {
  account: Account;
  previous: AccountStatus;
}

export function pauseAccount(ctx: OperationContext, input: { account: string }): Promise<AccountStatusResult> {
  return inTransaction(ctx.db, (trx) => accountAdmin.setStatus(trx, input.account, "paused"));
}
