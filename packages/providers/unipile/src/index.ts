/**
 * @offerlab/provider-unipile — LinkedIn invitations, DMs and InMails, email sending, inbox reads,
 * webhooks and reconciliation of uncertain sends through Unipile API v1. MSW fake at `./msw`.
 */
export { createUnipile, resolveUnipileBaseUrl, UNIPILE_SEND_ID_HEADER, UNIPILE_TOOL } from "./unipile-provider.js";
export { unipileVendor } from "./unipile-vendor.js";
export type { UnipileOptions, UnipileProvider, CreateUnipileWebhookInput, UnipileWebhook } from "./unipile-provider.js";

export { mapUnipileError, UNIPILE_DEFAULT_RATE_LIMIT_COOLDOWN_MS, UNIPILE_LIMIT_EXCEEDED_COOLDOWN_MS } from "./unipile-error.js";

export {
  accountStatusFromSources,
  accountStatusFromWebhook,
  toSendingAccount,
  toLinkedInProfile,
  toSentInvitation,
  toInboxMessageFromChat,
  toInboxMessageFromEmail,
  isOutboundEmail,
  profileIdentifier,
} from "./unipile-transform.js";

export {
  parseUnipileWebhook,
  toProviderEvent,
  messagingDirection,
  isReply,
  verifyUnipileWebhookSecret,
  UNIPILE_WEBHOOK_SECRET_HEADER,
  MessagingEventSchema,
  NewRelationEventSchema,
  MailEventSchema,
  TrackingEventSchema,
  AccountStatusEventSchema,
} from "./unipile-webhooks.js";
export type {
  UnipileWebhookPayload,
  UnipileMessagingEvent,
  UnipileNewRelationEvent,
  UnipileMailEvent,
  UnipileTrackingEvent,
  UnipileAccountStatusEvent,
  NormalizeOptions,
} from "./unipile-webhooks.js";

export type { UnipileAccount, UnipileUserProfile, UnipileMessage, UnipileEmail, UnipileSentInvitation } from "./unipile-api.js";
