import type { DbOrTrx, Account } from "./repositories.js";

/** The local accounts linked to these provider account ids (`accounts.unipile_account_id`). */
export async function accountsLinkedTo(db: DbOrTrx, providerIds: readonly string[]): Promise<Account[]> {
  if (providerIds.length === 0) return [];
  return db.selectFrom("accounts").selectAll().where("unipile_account_id", "in", providerIds).execute();
}
