/**
 * Pure mappings from Unipile's shapes to ours. No I/O.
 */
import { linkedInPublicId, normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import type { InboxMessage, LinkedInProfile, SendingAccount, SendingAccountStatus, SentInvitation } from "@offerlab/provider-kit";
import type { UnipileAccount, UnipileEmail, UnipileMessage, UnipileSentInvitation, UnipileUserProfile } from "./unipile-api.js";

const mailTypes: Record<string, string> = { GOOGLE_OAUTH: "gmail", GOOGLE: "gmail", OUTLOOK: "outlook", MAIL: "imap", IMAP: "imap" };

/** Whether we can send through an account of this Unipile type. */
export function isSupportedAccountType(type: string): boolean {
  return type === "LINKEDIN" || type in mailTypes;
}

/**
 * Account health: usable only when every source is `OK`. `CREDENTIALS`, `ERROR`, `STOPPED`,
 * `PERMISSIONS` and `CONNECTING` (and no source at all) all mean "send nothing": `disconnected`.
 * Unipile knows nothing of our `warming`/`paused`/`limited`; the app layers those on top.
 */
export function accountStatusFromSources(statuses: readonly string[]): SendingAccountStatus {
  return statuses.length > 0 && statuses.every((s) => s === "OK") ? "active" : "disconnected";
}

/** `AccountStatus.message` of the account_status webhook → our vocabulary. */
export function accountStatusFromWebhook(message: string): SendingAccountStatus {
  // Unknown words fail closed: an account we cannot vouch for sends nothing.
  return ["OK", "RECONNECTED", "CREATION_SUCCESS", "SYNC_SUCCESS"].includes(message) ? "active" : "disconnected";
}

export function toSendingAccount(account: UnipileAccount): SendingAccount {
  const isLinkedIn = account.type === "LINKEDIN";
  const im = account.connection_params?.im;
  const mail = account.connection_params?.mail;
  const vendorStatus = account.sources.map((s) => s.status);
  return {
    id: account.id,
    type: isLinkedIn ? "linkedin" : "email",
    name: account.name ?? account.id,
    status: accountStatusFromSources(vendorStatus),
    vendorStatus,
    emailAddress: isLinkedIn ? null : normalizeEmail(mail?.username ?? account.name ?? null),
    linkedinProviderId: isLinkedIn ? (im?.id ?? null) : null,
    features: isLinkedIn ? (im?.premiumFeatures ?? []) : [],
    provider: isLinkedIn ? "linkedin" : (mailTypes[account.type] ?? null),
    createdAt: account.created_at ?? null,
  };
}

/**
 * `network_distance` of a profile (FIRST_DEGREE | SECOND_DEGREE | THIRD_DEGREE | OUT_OF_NETWORK,
 * verified in Unipile's OpenAPI; search results use DISTANCE_1..3, a secondary source). Any other
 * value, and OUT_OF_NETWORK, give no degree (null): callers must treat it as unknown, not guess.
 */
const degrees: Record<string, 1 | 2 | 3> = {
  FIRST_DEGREE: 1,
  SECOND_DEGREE: 2,
  THIRD_DEGREE: 3,
  DISTANCE_1: 1,
  DISTANCE_2: 2,
  DISTANCE_3: 3,
};

export function toLinkedInProfile(profile: UnipileUserProfile): LinkedInProfile {
  const publicId = linkedInPublicId(profile.public_identifier ?? profile.public_profile_url ?? null);
  const degree = profile.network_distance ? (degrees[profile.network_distance] ?? null) : null;
  const invitation = profile.invitation;
  const pending =
    invitation && invitation.status === "PENDING"
      ? invitation.type === "SENT"
        ? "sent"
        : invitation.type === "RECEIVED"
          ? "received"
          : null
      : null;
  return {
    providerId: profile.provider_id,
    publicId,
    linkedinUrl: publicId ? normalizeLinkedInUrl(`https://www.linkedin.com/in/${publicId}`) : null,
    firstName: profile.first_name ?? null,
    lastName: profile.last_name ?? null,
    headline: profile.headline ?? null,
    connectionDegree: profile.is_relationship ? 1 : degree,
    isConnection: profile.is_relationship === true || degree === 1,
    pendingInvitation: pending,
    canSendInMail: profile.can_send_inmail ?? null,
    isOpenProfile: profile.is_open_profile ?? null,
  };
}

export function toSentInvitation(item: UnipileSentInvitation): SentInvitation {
  return {
    invitationId: item.id,
    providerId: item.invited_user_id ?? null,
    publicId: linkedInPublicId(item.invited_user_public_id ?? null),
    name: item.invited_user ?? null,
    note: item.invitation_text ?? null,
    sentAt: item.parsed_datetime ?? null,
  };
}

/**
 * A LinkedIn message. Direction: `is_sender` (documented on the Message object) or a sender id
 * equal to the account's own member id means we sent it — never a reply.
 */
export function toInboxMessageFromChat(message: UnipileMessage, selfProviderId?: string | null): InboxMessage {
  const ours = message.is_sender || (!!selfProviderId && message.sender_id === selfProviderId);
  return {
    channel: "linkedin",
    direction: ours ? "outbound" : "inbound",
    accountId: message.account_id,
    id: message.id,
    threadId: message.chat_id,
    from: message.sender_id ?? null,
    subject: message.subject ?? null,
    text: message.text ?? null,
    sentAt: message.timestamp,
  };
}

const sentFolders = /^(sent|\[gmail\]\/sent mail|sent items|sent messages)$/i;

/**
 * An email. Outbound when sent through Unipile (`origin: "unipile"`), filed as sent (`role`,
 * folders), or from the mailbox's own address when known.
 */
export function isOutboundEmail(
  email: Pick<UnipileEmail, "origin" | "role" | "folders" | "from_attendee">,
  selfAddress?: string | null,
): boolean {
  if (email.origin === "unipile") return true;
  if (email.role === "sent") return true;
  if ((email.folders ?? []).some((f) => sentFolders.test(f))) return true;
  const from = normalizeEmail(email.from_attendee?.identifier ?? null);
  return !!selfAddress && from !== null && from === normalizeEmail(selfAddress);
}

export function toInboxMessageFromEmail(email: UnipileEmail, selfAddress?: string | null): InboxMessage {
  return {
    channel: "email",
    direction: isOutboundEmail(email, selfAddress) ? "outbound" : "inbound",
    accountId: email.account_id,
    id: email.id,
    threadId: email.thread_id ?? null,
    from: normalizeEmail(email.from_attendee?.identifier ?? null) ?? email.from_attendee?.identifier ?? null,
    fromName: email.from_attendee?.display_name ?? null,
    subject: email.subject ?? null,
    text: email.body_plain || email.body || null,
    sentAt: email.date,
    messageId: email.message_id ?? null,
    inReplyTo: email.in_reply_to ? { messageId: email.in_reply_to.message_id ?? null, id: email.in_reply_to.id ?? null } : null,
    trackingId: email.tracking_id ?? null,
  };
}

/** LinkedIn member ids: `ACo…` classic, `ACw…` Sales Navigator, `AE…` Recruiter. */
const memberId = /^(ACo|ACw|AE)[A-Za-z0-9_-]{8,}$/;

/**
 * What to put in `GET /users/{identifier}`: a member id as it is (also from an `/in/ACoAA…` URL),
 * else the public id of a profile URL or slug. Null when the input is neither.
 */
export function profileIdentifier(input: string): string | null {
  const value = input.trim();
  if (memberId.test(value)) return value;
  const fromUrl = /linkedin\.com\/in\/([^/?#]+)/i.exec(value)?.[1];
  if (fromUrl && memberId.test(decodeURIComponent(fromUrl))) return decodeURIComponent(fromUrl);
  return linkedInPublicId(value);
}

/** Whitespace-insensitive text comparison for reconciliation. */
export function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  return a != null && b != null && norm(a) === norm(b);
}
