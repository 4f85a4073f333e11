/**
 * Capability interfaces. A vendor package's `createX(options)` returns an object implementing the
 * capabilities the vendor has; the pipeline and the scheduler depend on these, never on a vendor.
 *
 * Records that become database rows (`CompanyRecord`, `PersonRecord`) use the column names of
 * `companies` / `contacts` (snake_case), so they can be inserted as they are once the caller adds
 * its ids. Parameters of calls use camelCase.
 */
import type { AccountStatus, CompanySize, EmailStatus, Seniority } from "@offerlab/core";

/** Options every capability call accepts. */
export interface CallOptions {
  /** Cancels the call. A send cancelled in flight fails as `unknown_outcome`. */
  signal?: AbortSignal;
  /** Ids attached to the usage event of this call (`tool_usage.offer_id` ...). */
  usageContext?: Record<string, string | undefined>;
}

/** One page of a cursor-paginated list. `cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** Every adapter names itself; `tool` is the `tools.name` its usage is filed under. */
export interface ProviderInfo {
  /** Vendor name, e.g. `unipile`. */
  readonly provider: string;
}

// ---------------------------------------------------------------------------------------------
// Discovery and enrichment
// ---------------------------------------------------------------------------------------------

/**
 * The signals document of a company (`companies.signals`). Adapters fill the parts they know;
 * extra keys are allowed so a vendor can add its own without a kit change.
 */
export interface CompanySignalsInput {
  hiring?: { total_jobs?: number; sales_reps?: number; bdrs?: number; titles?: string[]; last_checked?: string; [key: string]: unknown };
  tech_stack?: string[];
  funding?: { stage?: string; amount?: number; date?: string; [key: string]: unknown };
  growth_signals?: string[];
  [key: string]: unknown;
}

/** A company as a vendor describes it, ready to become a `companies` row. */
export interface CompanyRecord {
  name: string;
  /** Normalised: lower case, no scheme, no `www.`. */
  domain: string | null;
  url?: string | null;
  description?: string | null;
  size?: CompanySize | null;
  size_exact?: number | null;
  vertical?: string | null;
  industry?: string | null;
  headquarters_city?: string | null;
  headquarters_state?: string | null;
  headquarters_country?: string | null;
  /** Canonical `https://www.linkedin.com/company/<id>` when known (not a column: kept for dedupe). */
  linkedin_url?: string | null;
  signals?: CompanySignalsInput;
  /** Tool name, e.g. `exa`, `theirstack`. */
  source_tool: string;
  source_query?: string | null;
  /** The vendor's record, trimmed of bulky fields. */
  source_raw?: unknown;
}

/** Filters of an ICP a company search understands; a vendor ignores what it cannot filter on. */
export interface IcpFilters {
  industries?: string[];
  /** ISO 3166-1 alpha-2 codes. */
  countries?: string[];
  sizes?: CompanySize[];
  minEmployees?: number;
  maxEmployees?: number;
  /** Technologies the company uses (technographic signal). */
  technologies?: string[];
  /** Job titles the company is hiring for (hiring signal). */
  hiringFor?: string[];
  /** Only jobs/signals newer than this many days. */
  postedWithinDays?: number;
  fundingStages?: string[];
  keywords?: string[];
  excludeDomains?: string[];
}

export interface CompanySearchQuery {
  /** Natural-language description of the companies wanted. */
  query: string;
  filters?: IcpFilters;
  /** Maximum number of companies wanted. Adapters cap this to bound spend. */
  limit?: number;
  cursor?: string | null;
}

export interface CompanySearchResult {
  companies: CompanyRecord[];
  cursor: string | null;
  /** Credits the vendor charged, when it says. */
  creditsUsed?: number;
}

export interface CompanySearch extends ProviderInfo {
  searchCompanies(query: CompanySearchQuery, options?: CallOptions): Promise<CompanySearchResult>;
}

/** A person as a vendor describes them, ready to become a `contacts` row. */
export interface PersonRecord {
  first_name: string | null;
  last_name: string | null;
  full_name: string | null;
  title: string | null;
  title_normalized?: string | null;
  department?: string | null;
  seniority?: Seniority | null;
  email?: string | null;
  email_status?: EmailStatus | null;
  phone?: string | null;
  /** Canonical `https://www.linkedin.com/in/<id>`. */
  linkedin_url?: string | null;
  linkedin_id?: string | null;
  location?: string | null;
  /** The employer, for matching the person to a company row. */
  company_name?: string | null;
  company_domain?: string | null;
  source_tool: string;
  source_raw?: unknown;
}

export interface PeopleSearchQuery {
  company: { name?: string; domain?: string; linkedinUrl?: string };
  titles?: string[];
  seniorities?: Seniority[];
  departments?: string[];
  limit?: number;
  cursor?: string | null;
}

export interface PeopleSearchResult {
  people: PersonRecord[];
  cursor: string | null;
  creditsUsed?: number;
}

export interface PeopleSearch extends ProviderInfo {
  searchPeople(query: PeopleSearchQuery, options?: CallOptions): Promise<PeopleSearchResult>;
}

export interface EmailFinderQuery {
  firstName?: string;
  lastName?: string;
  fullName?: string;
  domain?: string;
  companyName?: string;
  linkedinUrl?: string;
}

export interface EmailFinderResult {
  /** Normalised (lower case) address, or null when none was found. */
  email: string | null;
  /** Catch-all domains are `risky`, never `valid`. `unknown` when nothing was found. */
  email_status: EmailStatus;
  /** Vendor confidence in [0, 100] when given. */
  confidence?: number | null;
  source_tool: string;
  source_raw?: unknown;
  creditsUsed?: number;
}

export interface EmailFinder extends ProviderInfo {
  findEmail(query: EmailFinderQuery, options?: CallOptions): Promise<EmailFinderResult>;
}

export interface EmailVerification {
  email: string;
  /** Catch-all is `risky`, never `valid`. */
  email_status: EmailStatus;
  /** The vendor's own status word, for the record (`valid_catch_all` ...). */
  vendor_status?: string | null;
  catch_all?: boolean | null;
  source_tool: string;
  source_raw?: unknown;
  creditsUsed?: number;
}

export interface EmailVerifier extends ProviderInfo {
  verifyEmail(email: string, options?: CallOptions): Promise<EmailVerification>;
}

export interface CompanyEnrichmentQuery {
  domain?: string;
  name?: string;
  linkedinUrl?: string;
}

export interface CompanyEnrichment {
  /** What the vendor knows of the company's columns (domain normalised). */
  company: Partial<CompanyRecord> & { domain: string | null; source_tool: string };
  /** Technologies, hiring, funding, teams: merged into `companies.signals` by the caller. */
  signals: CompanySignalsInput;
  /** Teams or departments with head counts, when the vendor gives them. */
  teams?: { name: string; headcount?: number | null }[];
  source_raw?: unknown;
  creditsUsed?: number;
}

export interface CompanyEnricher extends ProviderInfo {
  enrichCompany(query: CompanyEnrichmentQuery, options?: CallOptions): Promise<CompanyEnrichment>;
}

export interface ScrapedPage {
  url: string;
  markdown: string;
  title?: string | null;
  description?: string | null;
  statusCode?: number | null;
  metadata?: Record<string, unknown>;
  source_tool: string;
  creditsUsed?: number;
}

export interface ScrapeOptions extends CallOptions {
  /** Only the main content, without navigation and footers. Adapter default: true. */
  onlyMainContent?: boolean;
}

export interface CrawlOptions extends CallOptions {
  /** Most pages to crawl. */
  limit?: number;
  /** Give up waiting after this long, in ms. */
  timeoutMs?: number;
}

export interface PageScraper extends ProviderInfo {
  scrapePage(url: string, options?: ScrapeOptions): Promise<ScrapedPage>;
  /** Optional: crawl a site (asynchronous at most vendors; polled with the kit's `poll`). */
  crawlSite?(url: string, options?: CrawlOptions): Promise<ScrapedPage[]>;
  /** Optional: list a site's URLs without fetching them. */
  mapSite?(url: string, options?: CallOptions & { limit?: number }): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Sending and inbox
// ---------------------------------------------------------------------------------------------

/** Status of a sending account in our vocabulary (`accounts.status`). */
export type SendingAccountStatus = AccountStatus;

/** LinkedIn refuses invitation notes longer than this; adapters refuse them locally first. */
export const LINKEDIN_INVITATION_NOTE_MAX = 300;

/** A connected sending account (LinkedIn or mailbox) as the vendor sees it. */
export interface SendingAccount {
  /** The vendor's account id (`accounts.unipile_account_id`). */
  id: string;
  type: "linkedin" | "email";
  name: string;
  /** `active` only when the vendor says every part of the connection is healthy. */
  status: SendingAccountStatus;
  /** The vendor's own status words, for display (`OK`, `CREDENTIALS` ...). */
  vendorStatus: string[];
  /** Email address of a mailbox account. */
  emailAddress?: string | null;
  /** LinkedIn member id of the account owner (to tell our own messages from replies). */
  linkedinProviderId?: string | null;
  /** Premium features of a LinkedIn account (`premium`, `sales_navigator`, `recruiter`). */
  features?: string[];
  /** `gmail`, `outlook`, `imap`, `linkedin` (`accounts.provider`). */
  provider?: string | null;
  createdAt?: string | null;
}

export interface AccountDirectory extends ProviderInfo {
  listAccounts(params?: { cursor?: string | null; limit?: number }, options?: CallOptions): Promise<Page<SendingAccount>>;
  getAccount(accountId: string, options?: CallOptions): Promise<SendingAccount>;
}

/** What a LinkedIn profile lookup tells a sender. */
export interface LinkedInProfile {
  /** LinkedIn's member id as seen by the looking account (what invitations and chats need). */
  providerId: string;
  publicId: string | null;
  /** Canonical `https://www.linkedin.com/in/<publicId>`. */
  linkedinUrl: string | null;
  firstName: string | null;
  lastName: string | null;
  headline: string | null;
  /** 1, 2 or 3; null when out of network or unknown. */
  connectionDegree: 1 | 2 | 3 | null;
  isConnection: boolean;
  /** A pending invitation between the account and this person, and who sent it. */
  pendingInvitation: "sent" | "received" | null;
  canSendInMail: boolean | null;
  isOpenProfile: boolean | null;
}

export interface SendInvitationInput {
  accountId: string;
  /** LinkedIn member id from `resolveProfile` with the same account. */
  providerId: string;
  /** Optional note, at most 300 characters (refused locally above). */
  note?: string;
}

export interface SendInvitationResult {
  /** Null when the vendor did not return one. */
  invitationId: string | null;
  /** Share of the vendor's quota used, in percent, when it says. */
  quotaUsagePercent?: number;
}

export interface SentInvitation {
  invitationId: string;
  providerId: string | null;
  publicId: string | null;
  name: string | null;
  note: string | null;
  sentAt: string | null;
}

export interface StartChatInput {
  accountId: string;
  /** LinkedIn member ids; one for a DM. */
  recipientProviderIds: string[];
  text: string;
  /** Send as InMail (needs Premium/Sales Navigator and credits) rather than a DM to a connection. */
  inmail?: boolean;
  /** InMail subject. */
  subject?: string;
  /** LinkedIn product the ids belong to. Default `classic`. */
  api?: "classic" | "sales_navigator" | "recruiter";
}

export interface SendChatMessageInput {
  accountId: string;
  chatId: string;
  text: string;
}

export interface SentChatMessage {
  chatId: string | null;
  /** Null when the vendor did not return one (correlate through the inbox or webhooks). */
  messageId: string | null;
}

export interface LinkedInSender extends ProviderInfo {
  resolveProfile(accountId: string, profile: string, options?: CallOptions): Promise<LinkedInProfile>;
  sendInvitation(input: SendInvitationInput, options?: CallOptions): Promise<SendInvitationResult>;
  listSentInvitations(
    params: { accountId: string; cursor?: string | null; limit?: number },
    options?: CallOptions,
  ): Promise<Page<SentInvitation>>;
  cancelInvitation(params: { accountId: string; invitationId: string }, options?: CallOptions): Promise<void>;
  /** First DM to a 1st-degree connection, or an InMail. */
  startChat(input: StartChatInput, options?: CallOptions): Promise<SentChatMessage>;
  /** A message into an existing chat. */
  sendChatMessage(input: SendChatMessageInput, options?: CallOptions): Promise<SentChatMessage>;
}

export interface EmailAddress {
  email: string;
  name?: string;
}

export interface SendEmailInput {
  accountId: string;
  to: EmailAddress[];
  cc?: EmailAddress[];
  bcc?: EmailAddress[];
  subject: string;
  /** HTML body; needed for open and click tracking. At least one of html and text is required. */
  html?: string;
  text?: string;
  /** The vendor id of the email being answered, to continue a sequence in the same thread. */
  replyToEmailId?: string;
  /** Our send id, carried in a custom `X-` header so reconciliation can find the email. */
  sendId?: string;
  /** Extra headers; names must start with `X-`. */
  headers?: Record<string, string>;
  tracking?: { opens?: boolean; links?: boolean; label?: string };
}

export interface SentEmail {
  /** The vendor's tracking id (ties opens, clicks and the sent event to this send). */
  trackingId: string | null;
  /** The vendor's email id when it returns one at send time. */
  emailId?: string | null;
}

export interface EmailSender extends ProviderInfo {
  sendEmail(input: SendEmailInput, options?: CallOptions): Promise<SentEmail>;
}

/** One message of a LinkedIn conversation or one email, with its direction decided. */
export interface InboxMessage {
  channel: "linkedin" | "email";
  /** `outbound` for everything the account itself sent (ours echoed back): never a reply. */
  direction: "inbound" | "outbound";
  accountId: string;
  /** The vendor's message or email id (dedupe key). */
  id: string;
  /** LinkedIn chat id, or email thread id. */
  threadId: string | null;
  /** LinkedIn member id or email address of the sender. */
  from: string | null;
  fromName?: string | null;
  subject?: string | null;
  text: string | null;
  sentAt: string;
  /** Email: RFC Message-ID, and the Message-ID / vendor id of the email it answers. */
  messageId?: string | null;
  inReplyTo?: { messageId: string | null; id: string | null } | null;
  trackingId?: string | null;
}

export interface InboxQuery {
  accountId: string;
  /** Only messages after this instant (exclusive). */
  since?: Date | string;
  cursor?: string | null;
  limit?: number;
  /** LinkedIn: only this chat. */
  chatId?: string;
}

export interface Inbox extends ProviderInfo {
  /** LinkedIn messages across chats (or in one chat), newest first. */
  listMessages(query: InboxQuery, options?: CallOptions): Promise<Page<InboxMessage>>;
  /** Emails of a mailbox account, newest first. */
  listEmails(query: InboxQuery, options?: CallOptions): Promise<Page<InboxMessage>>;
}

/** A send whose outcome is unknown, described by what a safe read can look for. */
export type UncertainSend =
  | { kind: "linkedin_invitation"; accountId: string; providerId: string; attemptedAt: Date | string }
  | { kind: "linkedin_message"; accountId: string; chatId?: string; recipientProviderId?: string; text: string; attemptedAt: Date | string }
  | { kind: "email"; accountId: string; sendId: string; attemptedAt: Date | string; to?: string; subject?: string };

/** The reconciler's answer; only `not_sent` allows a new attempt. */
export type ReconcileResult =
  | { outcome: "sent"; evidence: string; providerIds?: Record<string, string | null> }
  | { outcome: "not_sent"; evidence: string }
  | {
      outcome: "cannot_tell";
      reason: string;
      /**
       * When asking again earlier is pointless (the vendor's store has not settled yet), how long
       * to wait, in ms. The caller never asks sooner; it may ask later.
       */
      retryAfterMs?: number;
    };

export interface SendReconciler extends ProviderInfo {
  /** Decides with safe reads only whether an uncertain send happened. Never sends. */
  reconcile(send: UncertainSend, options?: CallOptions): Promise<ReconcileResult>;
}

/** A provider event normalised for the webhook app and the scheduler. */
export type ProviderEvent =
  | { type: "message_received"; message: InboxMessage; eventId: string }
  | { type: "invitation_accepted"; accountId: string; providerId: string; publicId: string | null; name: string | null; eventId: string }
  | { type: "email_received"; message: InboxMessage; eventId: string }
  | { type: "email_sent"; message: InboxMessage; eventId: string }
  | {
      type: "email_opened" | "email_clicked";
      accountId: string;
      trackingId: string | null;
      emailId: string | null;
      url?: string | null;
      at: string;
      eventId: string;
    }
  | { type: "account_status"; accountId: string; status: SendingAccountStatus; vendorStatus: string; eventId: string }
  | { type: "ignored"; reason: string; eventId: string };
