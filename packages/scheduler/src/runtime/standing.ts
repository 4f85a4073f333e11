/**
 * What the capacity dashboards read: every account's standing by the send path's own rules and
 * counters, so `offerlab capacity` and `offerlab accounts list` show what a send would meet.
 */
import type { AccountStatus } from "@offerlab/core";
import type { Database } from "@offerlab/db";
import type { Kysely, Selectable, Transaction } from "kysely";
import { accountStanding, type AccountStanding } from "../engine/index.js";
import { readUsageMany } from "./quota.js";

/** One account and its standing now. */
export interface AccountCapacity {
  account: Selectable<Database["accounts"]>;
  standing: AccountStanding;
}

export interface AccountCapacityOptions {
  /** The instant to judge at. Default: now. */
  now?: Date;
  /** Only these accounts. */
  ids?: readonly string[];
  type?: "linkedin" | "email";
  status?: AccountStatus;
}

/**
 * Accounts by name, each with the engine's `accountStanding` over its row and what it used this
 * UTC day and hour (`account_usage`, the counters the send path reserves): limits today (ramped
 * while warming, not applicable to the other account type), what is left, and whether a send would
 * go now — or why not, and until when.
 */
export async function readAccountCapacity(
  db: Kysely<Database> | Transaction<Database>,
  options: AccountCapacityOptions = {},
): Promise<AccountCapacity[]> {
  const now = options.now ?? new Date();
  if (options.ids && options.ids.length === 0) return [];
  let q = db.selectFrom("accounts").selectAll().orderBy("name").orderBy("id");
  if (options.ids) q = q.where("id", "in", [...options.ids]);
  if (options.type) q = q.where("type", "=", options.type);
  if (options.status) q = q.where("status", "=", options.status);
  const rows = await q.execute();
  const usage = await readUsageMany(
    db,
    rows.map((a) => a.id),
    now,
  );
  return rows.map((account) => ({ account, standing: accountStanding(account, usage.get(account.id)!, now) }));
}
