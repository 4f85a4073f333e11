/**
 * Resume a paused, limited or warming account. A disconnected or banned one is refused: it must be
 * re-connected at Unipile and synced.
 */
import { accountAdmin } from "@offerlab/db";
import { inTransaction, type OperationContext } from "../context.js";
import type { AccountStatusResult } from "./pause-account.js";

export function resumeAccount(ctx: OperationContext, input: { account: string }): Promise<AccountStatusResult> {
  return inTransaction(ctx.db, (trx) => accountAdmin.setStatus(trx, input.account, "active"));
}
