/** Add a LinkedIn or email sending account, optionally warming from week 1 of the ramp. */
import { AccountType, RotationSet, ValidationError, type FieldIssue } from "@offerlab/core";
import { accounts, type Account, type AccountLimitsPatch } from "@offerlab/db";
import { nowOf, type OperationContext } from "../context.js";

export interface AddAccountInput {
  name?: string | undefined;
  /** `linkedin` or `email`. */
  type?: string | undefined;
  owner?: string | undefined;
  /** The mailbox address; required for an email account. */
  email_address?: string | null | undefined;
  linkedin_url?: string | null | undefined;
  /** The account's id at Unipile (what sends through it). */
  unipile_account_id?: string | null | undefined;
  /** `gmail`, `outlook`, `imap` or `linkedin`. Default: `linkedin` for a LinkedIn account. */
  provider?: string | null | undefined;
  rotation_set?: string | null | undefined;
  limits?: AccountLimitsPatch;
  /** Start warming (limits ramp 25% → 100% over four weeks). Default false. */
  warm?: boolean;
}

export async function addAccount(ctx: OperationContext, input: AddAccountInput): Promise<Account> {
  const issues: FieldIssue[] = [];
  if (input.type !== undefined && !AccountType.safeParse(input.type).success)
    issues.push({ field: "type", message: `must be one of ${AccountType.options.join(", ")}` });
  if (input.rotation_set != null && !RotationSet.safeParse(input.rotation_set).success)
    issues.push({ field: "rotation_set", message: `must be one of ${RotationSet.options.join(", ")}` });
  if (issues.length) throw new ValidationError("account", issues);
  // One insert after a check: the unique indexes decide between two adds that race.
  return accounts.create(ctx.db, {
    name: input.name,
    type: input.type,
    owner: input.owner,
    email_address: input.email_address ?? null,
    linkedin_url: input.linkedin_url ?? null,
    unipile_account_id: input.unipile_account_id ?? null,
    provider: input.provider ?? (input.type === "linkedin" ? "linkedin" : null),
    rotation_set: input.rotation_set ?? null,
    ...input.limits,
    ...(input.warm ? { warming_week: 1, warming_started_at: nowOf(ctx) } : {}),
  });
}
