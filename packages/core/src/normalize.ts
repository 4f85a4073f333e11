/**
 * Normalisation used for dedupe: two spellings of the same domain, email address or LinkedIn
 * profile must produce the same key, and a value that is not one of these must produce `null`
 * rather than a plausible-looking key. Pure functions, no I/O.
 *
 * Every non-null result is a fixed point (normalising it again returns it unchanged) and contains
 * no uppercase letters and no whitespace, so a database can compare the stored keys directly.
 */
import type { CompanySize } from "./enums.js";
import { companySizes } from "./enums.js";

// Characters that cling to a value copied out of prose, CSV cells or markdown: "(acme.com)",
// "jane@acme.com,", "'https://…'". Stripped from both ends before parsing.
const LEADING_JUNK = /^[\s"'`(<[{]+/u;
const TRAILING_JUNK = /[\s"'`)>\]},;:!?.]+$/u;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const WHITESPACE = /\s/u;
// Control and format characters (C0/C1, zero-width, bidi marks, BOM): never part of an identifier.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The last results of one normaliser, kept so that a value normalised twice (an import checks a
 * row's email, then the contacts aggregate normalises it again) or a domain written on many rows
 * is worked out once. Pure functions, so a cached answer is the answer; every non-null result is
 * a fixed point, so it is kept as its own answer too. Bounded: emptied when full.
 */
function memoized(normalize: (input: string) => string | null, size = 2048): (input: string) => string | null {
  const cache = new Map<string, string | null>();
  return (input) => {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    const result = normalize(input);
    if (cache.size >= size) cache.clear();
    cache.set(input, result);
    if (result !== null && result !== input) cache.set(result, result);
    return result;
  };
}

/** The WHATWG host parse of {@link asciiHostname}, kept per host: the domains of a list's emails repeat. */
const hostCache = new Map<string, string | null>();
function parsedHostname(host: string): string | null {
  let hostname = hostCache.get(host);
  if (hostname !== undefined) return hostname;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    hostname = null;
  }
  if (hostCache.size >= 2048) hostCache.clear();
  hostCache.set(host, hostname);
  return hostname;
}

function stripJunk(value: string): string {
  return value.replace(LEADING_JUNK, "").replace(TRAILING_JUNK, "");
}

/**
 * Turns a host as written (any case, Unicode or punycode, trailing dot, full-width dots) into its
 * lowercase ASCII (A-label) form, or `null` when it is not a public DNS name with at least two
 * labels. IP addresses are refused: they never identify a company.
 */
function asciiHostname(host: string): string | null {
  if (host === "" || WHITESPACE.test(host) || INVISIBLE.test(host)) return null;
  // The WHATWG URL parser applies UTS #46: lowercases, maps full-width characters, and
  // punycodes Unicode labels. The port, if any, is dropped by reading `hostname` only.
  let hostname = parsedHostname(host);
  if (hostname === null) return null;
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  const labels = hostname.split(".");
  if (labels.length < 2) return null;
  if (!labels.every((label) => DNS_LABEL.test(label))) return null;
  // A numeric last label means an IPv4 address (the parser canonicalises those) or garbage.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) return null;
  return hostname;
}

/**
 * Normalises a company domain for dedupe (`companies.domain`: "example.com (normalized, no www)").
 *
 * Accepts bare domains (`Acme.com`), full URLs (`https://user:pw@www.acme.com:8443/about?utm=x#top`),
 * protocol-relative URLs (`//acme.com`), email addresses (`jane@Acme.com`, `mailto:…`,
 * `"Jane" <jane@acme.com>`) and stray surrounding punctuation. Returns the host lowercased, without
 * scheme, credentials, port, path, query, fragment or trailing dot, and without leading `www.`
 * labels (only exactly `www.`: `www2.` and `ww.` are real, distinct hosts and are kept). A leading
 * `www.` is kept when removing it would leave a single label (`www.com`).
 *
 * Internationalised domains come back in their ASCII (punycode, A-label) form: `Bücher.de` and
 * `xn--bcher-kva.de` are the same domain and must give the same key; the ASCII form is also what
 * DNS, mail servers and every vendor API accept. Show the Unicode form from `companies.url`.
 *
 * @returns the normalised domain, or `null` for empty input, hosts without a dot, hosts with
 * spaces or characters not allowed in DNS names, and IP addresses.
 */
export function normalizeDomain(input: string | null | undefined): string | null {
  return input == null ? null : domainOf(input);
}

const domainOf = memoized((input: string): string | null => {
  let value = stripJunk(input.trim());
  if (value === "") return null;

  if (!SCHEME.test(value) && !value.startsWith("//") && value.includes("@")) {
    const email = normalizeEmail(value);
    if (email !== null) return stripWww(email.slice(email.lastIndexOf("@") + 1));
  }

  value = value.replace(SCHEME, "").replace(/^\/\//, "");
  const authority = value.split(/[/?#\\]/, 1)[0] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  const hostname = asciiHostname(host);
  return hostname === null ? null : stripWww(hostname);
});

function stripWww(hostname: string): string {
  let host = hostname;
  // Repeat so that the result is a fixed point: "www.www.acme.com" → "acme.com".
  while (host.startsWith("www.") && host.indexOf(".", 4) !== -1) host = host.slice(4);
  return host;
}

// Characters that cannot appear unquoted in the local part of an address. Quoted local parts
// ("john doe"@x.com) are legal but never seen in B2B data; refusing them keeps keys simple.
const LOCAL_PART_FORBIDDEN = /[\s"(),:;<>@[\\\]]/u;

/**
 * Normalises an email address for dedupe and matching (`contacts.email`).
 *
 * Trims, strips `mailto:` (and any `?subject=…` after it), a display name with angle brackets
 * (`"Jane Doe" <Jane@X.com>`) and surrounding punctuation, then lowercases the whole address.
 * The domain is converted to its ASCII (punycode) form, as in {@link normalizeDomain}, but `www.`
 * is not stripped: a mail domain is whatever follows the `@`.
 *
 * Lowercasing the local part is technically lossy (RFC 5321 lets it be case-sensitive) but every
 * mail provider in practice treats it case-insensitively, and people type it both ways.
 *
 * Gmail dots and `+tags` are deliberately kept: `j.doe@x.com` and `jdoe+crm@x.com` are different
 * mailboxes on most domains, we cannot tell which domains are hosted by Google without a DNS
 * lookup, and a wrong merge would suppress or double-send to real people.
 *
 * @returns the normalised address, or `null` unless it has exactly one `@`, a non-empty local
 * part without spaces or reserved characters, and a domain with a dot.
 */
export function normalizeEmail(input: string | null | undefined): string | null {
  return input == null ? null : emailOf(input);
}

const emailOf = memoized((input: string): string | null => {
  let value = input.trim();
  const angled = /<([^<>]*)>\s*$/u.exec(value);
  if (angled) value = angled[1] ?? "";
  value = stripJunk(value.trim());
  if (/^mailto:/i.test(value)) value = value.slice("mailto:".length).split("?", 1)[0] ?? "";
  value = stripJunk(value.trim());
  if (value === "" || INVISIBLE.test(value)) return null;

  const parts = value.split("@");
  if (parts.length !== 2) return null;
  const [local = "", domain = ""] = parts;
  if (local === "" || LOCAL_PART_FORBIDDEN.test(local)) return null;
  if (domain === "" || /[/?#:\\]/.test(domain)) return null;
  const host = asciiHostname(domain);
  if (host === null) return null;
  return `${local.toLowerCase().normalize("NFC")}@${host}`;
});

const LINKEDIN_HOST = /(^|\.)linkedin\.com$/;
const PERSON_BASE = "https://www.linkedin.com/in/";
const COMPANY_BASE = "https://www.linkedin.com/company/";
// LinkedIn's case-sensitive member ids ("ACoAAB…"), which also appear under /in/ in Sales
// Navigator exports and Unipile responses. They are not public ids: lowercasing would corrupt them.
const MEMBER_URN_ID = /^AC[a-zA-Z]AA[A-Za-z0-9_-]{20,}$/;
// Public ids ("vanity names") are 3–100 letters, digits or hyphens; older ones contain
// underscores and non-Latin letters, so the check is on Unicode classes.
const PUBLIC_ID = /^[\p{L}\p{M}\p{N}_-]{3,100}$/u;

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Decoded raw id → canonical (NFC, lowercase, percent-encoded with lowercase hex) or null. */
function canonicalPublicId(raw: string): string | null {
  if (MEMBER_URN_ID.test(raw)) return null;
  const decoded = decodeSegment(raw);
  if (decoded === null || MEMBER_URN_ID.test(decoded)) return null;
  const id = decoded.toLowerCase().normalize("NFC");
  if (!PUBLIC_ID.test(id)) return null;
  // Lowercase hex so the whole URL is lowercase and `lower(linkedin_url)` is a no-op in SQL.
  return encodeURIComponent(id).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

// Legacy public profiles: /pub/<name>/<a>/<b>/<c> redirect to /in/<name>-<c><b><a>, with <b> and
// <c> left-padded to three characters (e.g. /pub/krzysztof-marzec/a7/576/b50 →
// /in/krzysztof-marzec-b50576a7).
function legacyPubId(segments: readonly string[]): string | null {
  const [name, a, b, c] = segments;
  if (segments.length < 4 || name === undefined || a === undefined || b === undefined || c === undefined) {
    return null;
  }
  if (![a, b, c].every((part) => /^[0-9a-z]{1,3}$/i.test(part))) return null;
  return `${name}-${c.padStart(3, "0")}${b.padStart(3, "0")}${a}`;
}

type LinkedInTarget = { kind: "person" | "company"; id: string };

function parseLinkedIn(input: string | null | undefined): LinkedInTarget | null {
  if (input == null) return null;
  let value = stripJunk(input.trim());
  if (value === "" || WHITESPACE.test(value) || INVISIBLE.test(value)) return null;
  if (!SCHEME.test(value)) value = `https://${value.replace(/^\/\//, "")}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const host = url.hostname.replace(/\.$/, "");
  if (!LINKEDIN_HOST.test(host)) return null;

  // `URL` has already split off query and fragment; the path is still percent-encoded.
  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  const [section, first] = segments;
  if (section === undefined || first === undefined) return null;
  switch (section.toLowerCase()) {
    case "in": {
      const id = canonicalPublicId(first);
      return id === null ? null : { kind: "person", id };
    }
    case "pub": {
      const legacy = legacyPubId(segments.slice(1));
      const id = legacy === null ? null : canonicalPublicId(legacy);
      return id === null ? null : { kind: "person", id };
    }
    case "company": {
      const slug = decodeSegment(first)?.toLowerCase().normalize("NFC");
      if (slug === undefined || !/^[\p{L}\p{M}\p{N}_.&-]{1,100}$/u.test(slug)) return null;
      const encoded = encodeURIComponent(slug).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
      return { kind: "company", id: encoded };
    }
    default:
      return null;
  }
}

/**
 * Canonicalises a LinkedIn URL for dedupe (`contacts.linkedin_url`).
 *
 * Person profiles become `https://www.linkedin.com/in/<public-id>`: the public id is
 * percent-decoded, NFC-normalised, lowercased (LinkedIn treats it case-insensitively) and
 * re-encoded with lowercase hex escapes, so the whole result is lowercase. Accepted: any scheme
 * or none (`linkedin.com/in/x`, `//linkedin.com/in/x`), `www.`, `m.` and country hosts
 * (`uk.linkedin.com`), sub-pages (`/in/x/details/experience/`, `/in/x/de`), trailing slashes,
 * query strings (`?trk=…`, `utm_*`), fragments, surrounding whitespace and punctuation, and
 * legacy `/pub/<name>/<a>/<b>/<c>` URLs, which map onto LinkedIn's redirect target.
 *
 * Company pages become `https://www.linkedin.com/company/<slug>` (slug lowercased).
 *
 * @returns the canonical URL, or `null` for everything else: non-LinkedIn hosts, Sales Navigator
 * (`/sales/lead/…`), school and showcase pages, posts, search, and `/in/ACoAA…` member ids,
 * which are case-sensitive provider ids (keep those in `contacts.linkedin_id`, not here).
 */
export function normalizeLinkedInUrl(input: string | null | undefined): string | null {
  return input == null ? null : linkedInUrlOf(input);
}

/** A person's profile URL already written the canonical way with a plain lowercase id (most exports). */
const CANONICAL_PERSON = /^https:\/\/www\.linkedin\.com\/in\/([a-z0-9_-]{3,100})\/?$/;

const linkedInUrlOf = memoized((input: string): string | null => {
  // The long way gives the same answer for these (nothing to decode, lowercase, not a member id).
  const plain = CANONICAL_PERSON.exec(input);
  if (plain) return PERSON_BASE + plain[1]!;
  const target = parseLinkedIn(input);
  if (target === null) return null;
  return (target.kind === "person" ? PERSON_BASE : COMPANY_BASE) + target.id;
});

/**
 * The public id of a person profile, exactly as it appears in the canonical URL of
 * {@link normalizeLinkedInUrl} (lowercase, percent-encoded), so that
 * `"https://www.linkedin.com/in/" + linkedInPublicId(x)` equals `normalizeLinkedInUrl(x)` for profiles.
 *
 * Accepts a profile URL in any of the forms `normalizeLinkedInUrl` accepts, or a bare public id
 * (`Jane-Doe-12345`, optionally percent-encoded; 3–100 letters, digits, `-` or `_`).
 *
 * @returns the public id, or `null` for company pages, other URLs, member ids and anything that is
 * not a plausible public id.
 */
export function linkedInPublicId(input: string | null | undefined): string | null {
  if (input == null) return null;
  const value = stripJunk(input.trim());
  if (value === "") return null;
  if (/[/.:]/.test(value)) {
    const target = parseLinkedIn(value);
    return target?.kind === "person" ? target.id : null;
  }
  return canonicalPublicId(value);
}

/**
 * Maps an employee count onto the `companies.size` bucket it falls in: 1–10 → `'1-10'`, 11–50,
 * 51–200, 201–500, 501–1000, and anything above 1000 → `'1000+'`. Fractional counts (a midpoint of
 * a vendor range) are compared as they are: 10.5 is above 10, so `'11-50'`.
 *
 * To bucket a vendor range from {@link parseEmployeeRange}, pass its `min`: LinkedIn's standard
 * ranges (1-10 … 1,001-5,000, 10,001+) then land in the matching bucket.
 *
 * @returns the bucket, or `null` for `null`/`undefined`, NaN, infinities and counts below 1
 * (vendors report 0 when they do not know).
 */
export function companySizeBucket(employees: number | null | undefined): CompanySize | null {
  if (employees == null || !Number.isFinite(employees) || employees < 1) return null;
  const upperBounds = [10, 50, 200, 500, 1000] as const;
  const index = upperBounds.findIndex((bound) => employees <= bound);
  return companySizes[index === -1 ? companySizes.length - 1 : index] ?? null;
}

// One number as vendors write it: "5,000", "5.000" (European grouping), "10 000", "1.5k", "2M".
const NUMBER = String.raw`\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+|\d+(?:\.\d+)?\s*[km]?|\d+`;

function parseCount(text: string): number | null {
  const value = text.trim().toLowerCase();
  const suffixed = /^(\d+(?:\.\d+)?)\s*([km])$/.exec(value);
  if (suffixed) {
    const factor = suffixed[2] === "k" ? 1_000 : 1_000_000;
    return Math.round(Number(suffixed[1]) * factor);
  }
  if (/^\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+$/.test(value)) return Number(value.replace(/\D/g, ""));
  if (/^\d+$/.test(value)) return Number(value);
  return null;
}

/**
 * Parses a vendor's employee-count text into a range.
 *
 * Understands ranges (`"51-200"`, `"51 – 200"`, `"201 to 500"`, `"1,001-5,000"`, `"1.001-5.000"`,
 * `"1K-5K"`), open ranges (`"10000+"`, `"10,001+ employees"`), single counts (`"250"`) and
 * LinkedIn's `"Self-employed"` / `"Myself only"` (1 person). A trailing word such as
 * "employees" or "people" is ignored.
 *
 * @returns `{ min, max }` with `max: null` for an open range, or `null` when the text is not an
 * employee count or the range is inverted.
 */
export function parseEmployeeRange(text: string): { min: number; max: number | null } | null {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/\s*(employees?|people|staff|persons?|emp\.?)\s*$/u, "")
    .trim();
  if (value === "") return null;
  if (/^(self[-\s]?employed|myself only|just me|solo)$/.test(value)) return { min: 1, max: 1 };

  const range = new RegExp(`^(${NUMBER})\\s*(?:-|–|—|to)\\s*(${NUMBER})$`, "u").exec(value);
  if (range) {
    const min = parseCount(range[1] ?? "");
    const max = parseCount(range[2] ?? "");
    if (min === null || max === null || min > max) return null;
    return { min, max };
  }
  const open = new RegExp(`^(${NUMBER})\\s*\\+$`, "u").exec(value);
  if (open) {
    const min = parseCount(open[1] ?? "");
    return min === null ? null : { min, max: null };
  }
  const single = parseCount(value);
  return single === null ? null : { min: single, max: single };
}

/**
 * What a suppression-list value names, when the person did not say: a LinkedIn URL (it mentions
 * linkedin.com), an email address (it has an `@`), else a domain (a bare domain or a website URL).
 */
export function inferSuppressionKind(value: string): "email" | "linkedin" | "domain" {
  if (/(^|[./])linkedin\.com(\/|$)/i.test(value.trim())) return "linkedin";
  if (value.includes("@") && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return "email";
  return "domain";
}

/**
 * A LinkedIn connection degree as people write it: `1`, `2`, `3`, `1st`, `2nd`, `3rd` (any case,
 * surrounding spaces, an optional trailing "degree"), also LinkedIn's own `FIRST_DEGREE`,
 * `SECOND_DEGREE`, `THIRD_DEGREE` and `DISTANCE_1..3`. Anything else (including "3rd+",
 * "out of network" and "0") is null: a degree we are not sure of is no degree.
 */
export function parseConnectionDegree(raw: string | number): 1 | 2 | 3 | null {
  const value = String(raw)
    .trim()
    .toLowerCase()
    .replace(/[\s_-]*degree$/u, "")
    .trim();
  const table: Record<string, 1 | 2 | 3> = {
    "1": 1,
    "2": 2,
    "3": 3,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    first: 1,
    second: 2,
    third: 3,
    distance_1: 1,
    distance_2: 2,
    distance_3: 3,
  };
  return table[value] ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a reference a person typed is a row id (a UUID, either case) rather than a slug or a name. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
