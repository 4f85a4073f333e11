/**
 * What a vendor package says about itself, as data: its name, the environment variables of its
 * real adapter, the capabilities it implements, the `tools` rows its usage is filed under, its
 * factory, and the name of its simulated counterpart in `@offerlab/sandbox`. Each vendor exports
 * one (`leadmagicVendor`); the apps keep one list of them, and that list drives every place that
 * needs to know the vendors (provider wiring, the capability map, the sandbox, `.env.example`).
 *
 * ```ts
 * export const leadmagicVendor = defineVendor({
 *   name: "leadmagic",
 *   title: "LeadMagic",
 *   env: [{ name: "LEADMAGIC_API_KEY", option: "apiKey", required: true, description: "…" }],
 *   capabilities: ["emailFinder", "emailVerifier"],
 *   tools: [LEADMAGIC_SOURCE_TOOL],
 *   create: createLeadMagic,
 *   simulated: "leadmagic",
 * });
 * ```
 */
import type {
  AccountDirectory,
  CompanyEnricher,
  CompanySearch,
  EmailFinder,
  EmailSender,
  EmailVerifier,
  Inbox,
  LinkedInSender,
  PageScraper,
  PeopleSearch,
  ProviderInfo,
  SendReconciler,
} from "./capabilities.js";
import type { FetchLike } from "./http.js";
import type { CallGate, OnUsage } from "./usage.js";

/** Each capability's name and the kit interface it stands for. */
export interface CapabilityInterfaces {
  companySearch: CompanySearch;
  peopleSearch: PeopleSearch;
  emailFinder: EmailFinder;
  emailVerifier: EmailVerifier;
  companyEnricher: CompanyEnricher;
  pageScraper: PageScraper;
  accountDirectory: AccountDirectory;
  linkedInSender: LinkedInSender;
  emailSender: EmailSender;
  inbox: Inbox;
  sendReconciler: SendReconciler;
}

/** A capability, by name (`"companySearch"`). */
export type CapabilityName = keyof CapabilityInterfaces;

/**
 * The methods each capability's interface requires, so an adapter can be checked at run time
 * (`implementsCapability`). Typed as a full record: a new capability must name its methods here.
 */
export const capabilityMethods: { readonly [K in CapabilityName]: readonly (keyof CapabilityInterfaces[K])[] } = {
  companySearch: ["searchCompanies"],
  peopleSearch: ["searchPeople"],
  emailFinder: ["findEmail"],
  emailVerifier: ["verifyEmail"],
  companyEnricher: ["enrichCompany"],
  pageScraper: ["scrapePage"],
  accountDirectory: ["listAccounts", "getAccount"],
  linkedInSender: ["resolveProfile", "sendInvitation", "listSentInvitations", "cancelInvitation", "startChat", "sendChatMessage"],
  emailSender: ["sendEmail"],
  inbox: ["listMessages", "listEmails"],
  sendReconciler: ["reconcile"],
};

/** Every capability name, in the kit's order. */
export const capabilityNames = Object.keys(capabilityMethods) as CapabilityName[];

/** How people call each capability in messages (`no company search provider is configured`). */
export const capabilityLabels: { readonly [K in CapabilityName]: string } = {
  companySearch: "company search",
  peopleSearch: "people search",
  emailFinder: "email finder",
  emailVerifier: "email verifier",
  companyEnricher: "company enricher",
  pageScraper: "page scraper",
  accountDirectory: "account directory",
  linkedInSender: "LinkedIn sender",
  emailSender: "email sender",
  inbox: "inbox",
  sendReconciler: "send reconciler",
};

/** The capabilities an adapter type implements (`CapabilitiesOf<LeadMagicProvider>` = `"emailFinder" | "emailVerifier"`). */
export type CapabilitiesOf<A> = { [K in CapabilityName]: A extends CapabilityInterfaces[K] ? K : never }[CapabilityName];

/** Whether `adapter` has every method of `capability` (a run-time check of a descriptor's claim). */
export function implementsCapability(adapter: unknown, capability: CapabilityName): boolean {
  if (typeof adapter !== "object" || adapter === null) return false;
  const methods = capabilityMethods[capability] as readonly string[];
  return methods.every((m) => typeof (adapter as Record<string, unknown>)[m] === "function");
}

/** One environment variable of a vendor's real adapter. */
export interface VendorEnvVar {
  /** The variable, e.g. `LEADMAGIC_API_KEY`. */
  readonly name: string;
  /** The factory option it fills, e.g. `apiKey`, `baseUrl`, `dsn`. */
  readonly option: string;
  /**
   * Whether the real adapter needs it: `true`, `false`, or `{ or: "OTHER_VAR" }` when either
   * variable will do (Unipile's DSN or its base URL).
   */
  readonly required: boolean | { readonly or: string };
  /** One line for `.env.example`. */
  readonly description: string;
}

/** The options every vendor factory takes (see STYLE.md, "The provider stack"). */
export interface VendorFactoryOptions {
  /** The vendor's API key. Default: its env var, read when a request is made. */
  apiKey?: string;
  /** Where the API is. Default: the vendor's public API. */
  baseUrl?: string;
  /** The `fetch` requests go through (tests, the sandbox, proxies). Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Receives one usage event per call. Default: none. */
  onUsage?: OnUsage;
  /** Asked before every call: the tool's rate limits (see `createRateGate`). Default: none. */
  gate?: CallGate;
}

/** A vendor, as data. Build one with {@link defineVendor}. */
export interface VendorDescriptor<
  N extends string = string,
  A extends ProviderInfo = ProviderInfo,
  O extends VendorFactoryOptions = VendorFactoryOptions,
  C extends readonly CapabilityName[] = readonly CapabilityName[],
> {
  /** The vendor's name: the adapter's `provider`, the CLI's `--providers` value. */
  readonly name: N;
  /** How people write it: `LeadMagic`. */
  readonly title: string;
  /** What it is used for, one line (`.env.example`, help texts). */
  readonly summary: string;
  /** The environment variables of its real adapter, the API key first. */
  readonly env: readonly VendorEnvVar[];
  /** The capabilities its adapter implements; claiming one it does not implement fails to compile. */
  readonly capabilities: C;
  /**
   * Every `tools.name` its adapter can report usage for (`UsageEvent.tool`). Each must be seeded
   * by a migration, or recording its usage fails with "unknown tool".
   */
  readonly tools: readonly string[];
  /** The factory: `createLeadMagic`. (Method syntax: a list of descriptors holds factories of different options.) */
  create(options?: O): A;
  /** The name `@offerlab/sandbox` resolves to this vendor's simulated counterpart (its MSW fake over the world). */
  readonly simulated: string;
}

/**
 * Declares a vendor. The literal types of `name` and `capabilities` are kept, so the apps can
 * derive from their list which vendors serve a capability, and a capability the adapter does
 * not implement is a compile error.
 */
export function defineVendor<
  const N extends string,
  A extends ProviderInfo,
  O extends VendorFactoryOptions,
  const C extends readonly CapabilitiesOf<A>[],
>(descriptor: VendorDescriptor<N, A, O, C>): VendorDescriptor<N, A, O, C> {
  return Object.freeze(descriptor);
}

const isSet = (v: string | undefined): v is string => typeof v === "string" && v.trim() !== "";

/**
 * What is missing in `env` for the vendor's real adapter: the required variables that are unset
 * or blank, an either-or pair as `UNIPILE_DSN (or UNIPILE_BASE_URL)`. Empty when it can be built.
 */
export function missingVendorEnv(descriptor: Pick<VendorDescriptor, "env">, env: Readonly<Record<string, string | undefined>>): string[] {
  const missing: string[] = [];
  for (const v of descriptor.env) {
    if (v.required === false || isSet(env[v.name])) continue;
    if (v.required === true) missing.push(v.name);
    else if (!isSet(env[v.required.or])) missing.push(`${v.name} (or ${v.required.or})`);
  }
  return missing;
}

/**
 * The factory options `env` sets for the vendor (`{ apiKey, baseUrl }`), blank variables left
 * out. Values are passed as written unless `trim` is true.
 */
export function vendorOptionsFromEnv(
  descriptor: Pick<VendorDescriptor, "env">,
  env: Readonly<Record<string, string | undefined>>,
  options: { trim?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of descriptor.env) {
    const value = env[v.name];
    if (isSet(value)) out[v.option] = options.trim ? value.trim() : value;
  }
  return out;
}

/**
 * Which vendors serve each of `capabilities`, in the order of `descriptors` (the default order of
 * use): the capability map, as data for the pipeline's callers.
 */
export function capabilityMap<D extends Pick<VendorDescriptor, "name" | "capabilities">, K extends CapabilityName>(
  descriptors: readonly D[],
  capabilities: readonly K[],
): { [C in K]: D["name"][] } {
  const map = {} as { [C in K]: D["name"][] };
  for (const c of capabilities) map[c] = descriptors.filter((d) => (d.capabilities as readonly string[]).includes(c)).map((d) => d.name);
  return map;
}
