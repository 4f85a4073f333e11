/**
 * Slugs: `offers.slug` and the structured `campaigns.campaign_slug`. Pure functions, no I/O.
 */
import { OfferlabError } from "./errors.js";
import type { CampaignType } from "./enums.js";

// Letters that NFKD does not decompose into an ASCII base letter plus marks.
const TRANSLITERATIONS: ReadonlyMap<string, string> = new Map([
  ["ß", "ss"],
  ["æ", "ae"],
  ["œ", "oe"],
  ["ø", "o"],
  ["đ", "d"],
  ["ð", "d"],
  ["þ", "th"],
  ["ł", "l"],
  ["ı", "i"],
  ["ħ", "h"],
  ["ŧ", "t"],
]);

/**
 * Turns text into a URL-friendly slug: lowercase ASCII letters and digits separated by single
 * hyphens, with no hyphen at either end (`"Café Crème — B2B!"` → `"cafe-creme-b2b"`).
 *
 * Diacritics are removed through NFKD decomposition (which also folds ligatures, full-width and
 * superscript characters), a few letters NFKD leaves alone are transliterated (`ß` → `ss`,
 * `æ` → `ae`, `ø` → `o`, `ł` → `l`, …), and every other run of characters becomes one hyphen.
 * Scripts without an ASCII decomposition (Cyrillic, CJK, …) are dropped.
 *
 * @param maxLength - longest slug to return, at least 1; the slug is cut there and any hyphen
 * left at the end is removed. Default: no limit.
 * @throws Error naming the input when nothing of it remains (`"!!!"`, `"日本"`, `""`), and
 * RangeError when `maxLength` is not a positive integer.
 */
export function slugify(text: string, maxLength?: number): string {
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
    throw new RangeError(`slugify: maxLength must be a positive integer, got ${String(maxLength)}`);
  }
  const folded = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\p{ASCII}]/gu, (char) => TRANSLITERATIONS.get(char) ?? "-");
  let slug = folded.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (maxLength !== undefined && slug.length > maxLength) {
    slug = slug.slice(0, maxLength).replace(/-+$/, "");
  }
  if (slug === "") {
    throw new OfferlabError("invalid_input", `slugify: ${JSON.stringify(text)} has no letters or digits to build a slug from`);
  }
  return slug;
}

/** The parts of a campaign slug, in slug order. */
export interface CampaignSlugParts {
  /** `campaigns.campaign_type`; `cold_outreach` is written `cold`, see {@link campaignSlug}. */
  type: CampaignType | (string & {});
  /** The offer, usually its `offers.slug` or name. */
  offer: string;
  /** `campaigns.channel`: `email`, `linkedin` or `multi`. */
  channel: string;
  /** The primary signal targeted (`target_criteria.signal`), e.g. `hiring`. */
  signal: string;
  /** The ICP segment (`target_criteria.icp_target`), e.g. `pmre-companies`. */
  icp: string;
  /** The sending account (or account pool) name. */
  account: string;
}

const CAMPAIGN_SLUG_PARTS = ["type", "offer", "channel", "signal", "icp", "account"] as const;

/**
 * Short names for campaign types in slugs. `cold_outreach` becomes `cold` because the type is
 * the only part that is always present and the long form adds nine characters to every slug
 * without telling anything `cold` does not; `networking` stays as it is.
 */
const CAMPAIGN_TYPE_SLUGS: ReadonlyMap<string, string> = new Map([
  ["cold_outreach", "cold"],
  ["networking", "networking"],
]);

/**
 * Builds `campaigns.campaign_slug` in the spec's order `{type}-{offer}-{channel}-{signal}-{icp}-{account}`,
 * each part passed through {@link slugify}: e.g. `{ type: 'cold_outreach', offer: 'AI Sales Coach',
 * channel: 'linkedin', signal: 'hiring', icp: 'PMRE companies', account: 'Jane (main)' }` →
 * `"cold-ai-sales-coach-linkedin-hiring-pmre-companies-jane-main"`.
 *
 * `type` `cold_outreach` is written `cold` and `networking` stays `networking`; any other type is
 * slugified as it is. Parts are not truncated: a cut could make two campaigns' slugs collide, and
 * the column is unique. Because parts may contain hyphens, the slug is an identifier for people
 * to read, not something to parse back into its parts.
 *
 * @throws Error naming the part (`campaignSlug: part "signal" is missing or empty`) when a part is
 * missing, blank, or has no letters or digits.
 */
export function campaignSlug(parts: CampaignSlugParts): string {
  return CAMPAIGN_SLUG_PARTS.map((name) => {
    // Typed as strings, but callers in plain JS or with casts can pass anything.
    const value: unknown = parts[name];
    if (typeof value !== "string" || value.trim() === "") {
      throw new OfferlabError("invalid_input", `campaignSlug: part "${name}" is missing or empty`);
    }
    if (name === "type") {
      // A Map, not an object literal: a type named "constructor" must not find Object.prototype's.
      const short = CAMPAIGN_TYPE_SLUGS.get(value.trim().toLowerCase());
      if (short !== undefined) return short;
    }
    try {
      return slugify(value);
    } catch {
      throw new OfferlabError("invalid_input", `campaignSlug: part "${name}" (${JSON.stringify(value)}) has no letters or digits`);
    }
  }).join("-");
}
