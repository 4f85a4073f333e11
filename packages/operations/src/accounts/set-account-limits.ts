/** Change an account's daily and hourly limits, or (with no limit given) read them; returns its standing today. */
import { accountAdmin, type Account, type AccountLimitsPatch } from "@offerlab/db";
import { readAccountCapacity, type AccountCapacity } from "@offerlab/scheduler";
import { inTransaction, nowOf, type OperationContext } from "../context.js";

export interface SetAccountLimitsInput {
  /** The account's id, name, email address or Unipile id. */
  account: string;
  /** The limits to change; none to only read them. */
  limits?: AccountLimitsPatch;
}

export interface SetAccountLimitsResult {
  changed: boolean;
  /** The account before the change (null when nothing was changed). */
  previous: Account | null;
  /** The account after, with its limits today (ramped while warming) and what it used. */
  capacity: AccountCapacity;
}

export async function setAccountLimits(ctx: OperationContext, input: SetAccountLimitsInput): Promise<SetAccountLimitsResult> {
  const now = nowOf(ctx);
  const patch = input.limits ?? {};
  return inTransaction(ctx.db, async (trx) => {
    const changed = Object.keys(patch).length ? await accountAdmin.setLimits(trx, input.account, patch) : null;
    const account = changed?.account ?? (await accountAdmin.find(trx, input.account));
    const [capacity] = await readAccountCapacity(trx, { now, ids: [account.id] });
    return { changed: changed !== null, previous: changed?.previous ?? null, capacity: capacity! };
  });
}
