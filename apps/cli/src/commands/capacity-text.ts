/**
 * How the CLI shows an account's standing (`readAccountCapacity` from the scheduler): the one
 * presentation `offerlab capacity`, `offerlab accounts list` and the demo share, so they cannot
 * disagree about what an account may send.
 */
import { describeReason, type AccountCapacity, type AccountStanding, type ReasonCode } from "@offerlab/scheduler";
import { when } from "./product-helpers.js";

/** A few words per reason, for table cells (the JSON carries the code, and the full sentence where useful). */
const SHORT: Partial<Record<ReasonCode, string>> = {
  account_paused: "paused",
  account_limited: "rate-limited by the provider",
  account_disconnected: "disconnected",
  account_warming: "status warming (not sending for campaigns)",
  account_unhealthy: "health below 30",
  account_unlinked: "not linked to Unipile",
  daily_cap: "daily limit used",
  account_warming_cap: "warming limit used",
  hourly_cap: "hourly limit used",
  campaign_daily_cap: "campaign's daily cap used",
  min_gap: "keeping the gap between sends",
  window_closed: "window closed",
  cooling_off: "cooling-off window",
  campaign_not_active: "campaign not active",
  no_account: "no account",
};

/** A reason code in a few words (`daily_cap` → "daily limit used"); unknown codes with spaces. */
export function reasonLabel(code: string): string {
  return (SHORT as Record<string, string>)[code] ?? code.replace(/_/g, " ");
}

/** `yes`, or `no: <reason>[, until <UTC time>]`. */
export function canSendText(s: Pick<AccountStanding, "canSend" | "reason" | "until">): string {
  if (s.canSend) return "yes";
  const reason = s.reason ? reasonLabel(s.reason) : "no";
  return `no: ${reason}${s.until ? `, until ${when(s.until)} UTC` : ""}`;
}

/** The full sentence of why an account cannot send now (with until when), or null when it can. */
export function heldBackText(s: Pick<AccountStanding, "canSend" | "reason" | "until">): string | null {
  if (s.canSend || !s.reason) return null;
  return `${describeReason(s.reason)}${s.until ? ` (until ${when(s.until)} UTC)` : ""}`;
}

const left = (x: { limit: number; remaining: number } | null) => (x ? `${x.remaining} of ${x.limit}` : "n/a");

/** One `offerlab capacity` row: table cells, and the JSON a script reads (null = not applicable). */
export function capacityRow({ account: a, standing: s }: AccountCapacity) {
  const { connection_request: inv, message: msg, email } = s.actions;
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    status: a.status,
    health_score: a.health_score,
    warming_week: a.warming_week,
    unipile_account_id: a.unipile_account_id,
    limits: { connection_request: inv?.limit ?? null, message: msg?.limit ?? null, email: email?.limit ?? null, hourly: s.hour.limit },
    used: { connection_request: inv?.used ?? null, message: msg?.used ?? null, email: email?.used ?? null, this_hour: s.hour.used },
    connections_remaining: inv?.remaining ?? null,
    messages_remaining: msg?.remaining ?? null,
    emails_remaining: email?.remaining ?? null,
    hour_remaining: s.hour.remaining,
    can_send_now: s.canSend,
    reason: s.reason,
    why: heldBackText(s),
    until: s.until,
  };
}

/** The table cells of {@link capacityRow}. */
export function capacityCells(c: AccountCapacity) {
  const s = c.standing;
  return {
    name: c.account.name,
    type: c.account.type,
    status: c.account.status,
    health: c.account.health_score,
    warming: c.account.warming_week ? `week ${c.account.warming_week}/4` : "",
    invites: left(s.actions.connection_request),
    messages: left(s.actions.message),
    emails: left(s.actions.email),
    hour: left(s.hour),
    send: canSendText(s),
  };
}

/** The columns of the capacity table (`offerlab capacity`, the demo). */
export const CAPACITY_COLUMNS = [
  { key: "name", title: "account", max: 28 },
  { key: "type" },
  { key: "status" },
  { key: "health", drop: 2 },
  { key: "warming", drop: 1 },
  { key: "invites", title: "invites left" },
  { key: "messages", title: "messages left" },
  { key: "emails", title: "emails left" },
  { key: "hour", title: "this hour", drop: 3 },
  { key: "send", title: "can send", max: 60 },
];
