/**
 * Bring the local accounts in line with the provider's list: add new ones, link by email, mark
 * disconnected ones, reconnect the ones that work again (see `accountAdmin.sync`).
 */
import { accountAdmin, accountsLinkedTo, type Account, type AccountSyncChange, type RemoteAccount } from "@offerlab/db";
import type { AccountDirectory } from "@offerlab/provider-kit";
import { inTransaction, nowOf, type OperationContext } from "../context.js";
import { OperationError } from "../errors.js";

export interface SyncAccountsContext extends OperationContext {
  /** Where the accounts are listed (Unipile's adapter, real or simulated). */
  directory: Pick<AccountDirectory, "listAccounts">;
}

export interface SyncAccountsInput {
  /** Compute the changes without writing. Default false. */
  dryRun?: boolean;
  /** Start new accounts warming (week 1 of the ramp). Default true. */
  warmNew?: boolean;
  /** Owner of new accounts. Default: the mailbox's local part, or the LinkedIn name's first word. */
  owner?: string;
}

export interface SyncAccountsResult {
  dryRun: boolean;
  changes: AccountSyncChange[];
  /** The local accounts linked to an account the provider lists, after the sync. */
  accounts: Account[];
}

/** Pages listed at most (100 accounts each): a guard against a provider that never ends its list. */
const MAX_PAGES = 100;

export async function syncAccounts(ctx: SyncAccountsContext, input: SyncAccountsInput = {}): Promise<SyncAccountsResult> {
  // The provider is read first and outside the transaction: a slow or failing call holds no lock.
  const remote: RemoteAccount[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    let result;
    try {
      result = await ctx.directory.listAccounts({ cursor, limit: 100 });
    } catch (error) {
      throw new OperationError("provider_failed", `could not list Unipile accounts: ${(error as Error).message}. Nothing was changed.`, {
        cause: error,
      });
    }
    for (const a of result.items) {
      remote.push({
        id: a.id,
        type: a.type,
        name: a.name,
        status: a.status,
        emailAddress: a.emailAddress ?? null,
        provider: a.provider ?? null,
      });
    }
    cursor = result.cursor;
    if (!cursor) break;
  }
  const dryRun = input.dryRun === true;
  return inTransaction(ctx.db, async (trx) => {
    const changes = await accountAdmin.sync(trx, remote, {
      dryRun,
      warmNew: input.warmNew !== false,
      now: nowOf(ctx),
      ...(input.owner ? { owner: input.owner } : {}),
    });
    return {
      dryRun,
      changes,
      accounts: await accountsLinkedTo(
        trx,
        remote.map((r) => r.id),
      ),
    };
  });
}
