/**
 * Deterministic fit rules: a company's fit against the offer's ICP (verticals, size range,
 * signals), its disqualifiers, and a person's buyer fit (titles, seniority, departments). Pure
 * functions: the same record and ICP always give the same score and the same reasoning.
 */
import { companySizeBucket, normalizeSeniority, type Icp, type Priority, type Seniority } from "@offerlab/core";
import type { CompanyRecord, CompanySignalsInput, PersonRecord } from "@offerlab/provider-kit";

// ---------------------------------------------------------------------------------------------
// Text helpers

const STOP = new Set([
  "a",
  "an",
  "and",
  "the",
  "of",
  "for",
  "to",
  "in",
  "on",
  "at",
  "with",
  "or",
  "is",
  "are",
  "be",
  "has",
  "have",
  "their",
  "its",
  "our",
  "company",
  "companies",
  "team",
  "teams",
]);

/** Lower-case word tokens without accents; `hiring_sales` → `hiring`, `sales`. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .split(/[^\p{L}\p{N}+]+/u)
    .filter((t) => t && !STOP.has(t));
}

/** Words that stand for the same vertical (matched on tokens of industry and description). */
const VERTICAL_SYNONYMS: Record<string, string[]> = {
  saas: ["saas", "software", "cloud", "platform"],
  software: ["software", "saas"],
  fintech: ["fintech", "financial", "payments", "payment", "banking", "lending", "finance"],
  healthtech: ["healthtech", "health", "healthcare", "medical"],
  ecommerce: ["ecommerce", "e-commerce", "retail", "shopify", "commerce"],
  martech: ["martech", "marketing"],
  edtech: ["edtech", "education", "learning"],
  agency: ["agency", "agencies"],
  cybersecurity: ["cybersecurity", "security"],
};

function verticalWords(vertical: string): string[] {
  const ws = tokens(vertical);
  return [...new Set(ws.flatMap((w) => VERTICAL_SYNONYMS[w] ?? [w]))];
}

const stem = (w: string) => (w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w);
const has = (haystack: Set<string>, words: string[]) => {
  const hs = [...haystack].map(stem);
  return words.some((w0) => {
    const w = stem(w0);
    return hs.some((h) => h === w || (w.length >= 5 && h.startsWith(w)));
  });
};

/** Technologies per category, for signals such as `using_crm`. */
const TECH_CATEGORIES: Record<string, string[]> = {
  crm: ["salesforce", "hubspot", "pipedrive", "zoho", "dynamics", "close", "copper", "attio", "freshsales"],
  marketing: ["hubspot", "marketo", "pardot", "mailchimp", "klaviyo", "braze"],
  warehouse: ["snowflake", "bigquery", "redshift", "databricks"],
  support: ["zendesk", "intercom", "freshdesk", "front"],
  sales: ["gong", "outreach", "salesloft", "apollo", "chorus", "clari"],
};

const SALES_WORDS = ["sales", "account", "sdr", "bdr", "revenue", "business", "ae"];

// ---------------------------------------------------------------------------------------------
// Signals

export interface SignalMatch {
  signal: string;
  matched: boolean;
  /** What in the record satisfied it ("2 open sales roles", "salesforce"). */
  evidence?: string;
}

function companyText(c: Pick<CompanyRecord, "name" | "description" | "industry" | "vertical" | "signals">): Set<string> {
  return new Set(tokens([c.name, c.description, c.industry, c.vertical, JSON.stringify(c.signals ?? {})].filter(Boolean).join(" ")));
}

function hiringTitles(s: CompanySignalsInput): string[] {
  return (s.hiring?.titles ?? []).filter((t): t is string => typeof t === "string");
}

/**
 * Whether a company shows an ICP signal. Signal words are read as: `hiring`/`recruiting` → open
 * jobs (of the rest of the words, e.g. sales); `using`/`uses`/a tech category (`crm`) or a
 * technology name → the tech stack; `funding`/`funded`/`raised`/`series` → a funding round;
 * anything else → all its words appear in the company's description, industry or signals.
 */
export function matchSignal(
  signal: string,
  c: Pick<CompanyRecord, "name" | "description" | "industry" | "vertical" | "signals">,
): SignalMatch {
  const words = tokens(signal);
  const s = c.signals ?? {};
  const stack = (s.tech_stack ?? []).map((t) => t.toLowerCase());
  if (words.some((w) => /^(hiring|hires|hire|recruiting|jobs|job|openings|growing)$/.test(w))) {
    const topic = words.filter((w) => !/^(hiring|hires|hire|recruiting|jobs|job|openings|growing|roles?|people|reps?)$/.test(w));
    const titles = hiringTitles(s);
    const salesCount = (s.hiring?.sales_reps ?? 0) + (s.hiring?.bdrs ?? 0);
    if (topic.length === 0) {
      const total = s.hiring?.total_jobs ?? titles.length;
      return total > 0 ? { signal, matched: true, evidence: `${total} open roles` } : { signal, matched: false };
    }
    if (topic.some((t) => SALES_WORDS.includes(t)) && salesCount > 0) {
      return { signal, matched: true, evidence: `${salesCount} open sales roles` };
    }
    const salesTopic = topic.some((t) => SALES_WORDS.includes(t));
    const hit = titles.find((t) => has(new Set(tokens(t)), salesTopic ? [...topic, ...SALES_WORDS] : topic));
    return hit ? { signal, matched: true, evidence: `hiring "${hit}"` } : { signal, matched: false };
  }
  // A tech signal says so (`using_crm`, `uses snowflake`, `tech stack …`) or is one category or
  // technology name alone (`crm`, `snowflake`). Category words inside other phrases stay plain
  // words: "b2b sales" is about the company's market, not about Gong or Outreach.
  const saysTech = words.some((w) => /^(using|uses|use|tech|stack|runs)$/.test(w));
  const techWords = words.filter((w) => !/^(using|uses|use|tech|stack|runs|on)$/.test(w));
  const alone = words.length === 1;
  const techCandidates = techWords.flatMap((w) => ((saysTech || alone) && TECH_CATEGORIES[w]) || [w]);
  const techHit = stack.find((t) => techCandidates.includes(t) || (saysTech && techCandidates.some((w) => t.includes(w) && w.length >= 4)));
  if (techHit) return { signal, matched: true, evidence: `uses ${techHit}` };
  if (saysTech || (alone && words[0]! in TECH_CATEGORIES)) return { signal, matched: false };
  if (words.some((w) => /^(funding|funded|raised|series|seed|round)$/.test(w))) {
    const stage = s.funding?.stage;
    if (!stage && !s.funding?.amount) return { signal, matched: false };
    const series = /series[\s_-]*([a-f])\b/i.exec(signal)?.[1]?.toLowerCase();
    const wanted = series ? `series_${series}` : words.includes("seed") ? "seed" : null;
    if (wanted && stage?.toLowerCase().replace(/[\s-]+/g, "_") !== wanted) return { signal, matched: false };
    return { signal, matched: true, evidence: `funding ${stage ?? s.funding?.amount}` };
  }
  const growth = (s.growth_signals ?? []).find((g) => tokens(g).join(" ") === words.join(" "));
  if (growth) return { signal, matched: true, evidence: growth };
  const text = companyText(c);
  return words.length > 0 && words.every((w) => text.has(w))
    ? { signal, matched: true, evidence: "mentioned" }
    : { signal, matched: false };
}

// ---------------------------------------------------------------------------------------------
// Disqualifiers

/** Employees of a record: the exact count, else the bucket's lower and upper bounds. */
function employeeRange(c: Pick<CompanyRecord, "size" | "size_exact">): { min: number; max: number } | null {
  if (c.size_exact != null && c.size_exact > 0) return { min: c.size_exact, max: c.size_exact };
  const bounds: Record<string, [number, number]> = {
    "1-10": [1, 10],
    "11-50": [11, 50],
    "51-200": [51, 200],
    "201-500": [201, 500],
    "501-1000": [501, 1000],
    "1000+": [1001, Number.POSITIVE_INFINITY],
  };
  const b = c.size ? bounds[c.size] : undefined;
  return b ? { min: b[0], max: b[1] } : null;
}

/**
 * Whether a disqualifier applies. Understood forms: an employee bound (`< 10 employees`,
 * `fewer than 10`, `under 10`, `1000+ employees`, `more than 5000`, `over 500`), `enterprise`
 * (1000+ employees), `no <topic>` / `without <topic>` (applies only when the signals prove the
 * absence, e.g. `hiring.sales_reps = 0` for `no_sales_team`), and otherwise every word of the
 * disqualifier appearing in the company's name, description or industry (e.g. `agency`).
 * Returns the reason when it applies, else null; unknown data never disqualifies.
 */
export function matchDisqualifier(
  text: string,
  c: Pick<CompanyRecord, "name" | "description" | "industry" | "vertical" | "signals" | "size" | "size_exact">,
): string | null {
  const lower = text.toLowerCase().replace(/[,_]/g, (m) => (m === "_" ? " " : ""));
  const range = employeeRange(c);
  const below = /(?:<|under|fewer than|less than|below)\s*(\d+)/.exec(lower);
  if (below) {
    const n = Number(below[1]);
    return range && range.max < n ? `${text} (${range.min === range.max ? range.min : `${c.size}`} employees)` : null;
  }
  const above = /(?:>|over|more than|above)\s*(\d+)|(\d+)\s*\+/.exec(lower);
  if (above) {
    const n = Number(above[1] ?? above[2]);
    const inclusive = above[2] !== undefined;
    return range && (inclusive ? range.min >= n : range.min > n)
      ? `${text} (${range.min === range.max ? range.min : `${c.size}`} employees)`
      : null;
  }
  const words = tokens(lower);
  if (words.includes("enterprise")) {
    return range && range.min > 1000 ? `${text} (${range.min === range.max ? range.min : c.size} employees)` : null;
  }
  const neg = words.findIndex((w) => w === "no" || w === "without" || w === "lacks" || w === "lacking");
  if (neg >= 0) {
    const topic = words.slice(neg + 1);
    const h = c.signals?.hiring;
    if (topic.some((t) => SALES_WORDS.includes(t)) && h && h.sales_reps === 0 && (h.bdrs ?? 0) === 0)
      return `${text} (no sales roles open)`;
    if (topic.includes("funding") && c.signals?.funding && c.signals.funding.amount === 0) return `${text}`;
    return null;
  }
  const text2 = companyText({ ...c, signals: {} });
  return words.length > 0 && words.every((w) => text2.has(w) || (w.endsWith("s") && text2.has(w.slice(0, -1)))) ? `${text}` : null;
}

// ---------------------------------------------------------------------------------------------
// Company fit

export interface CompanyFit {
  /** 1–10. */
  score: number;
  priority: Priority;
  reasoning: string;
  /** The first disqualifier that applies, with its evidence; null when none does. */
  disqualification: string | null;
  signals: SignalMatch[];
}

export function priorityOf(score: number): Priority {
  return score >= 8 ? "high" : score >= 5 ? "medium" : "low";
}

/**
 * Scores a company against the ICP, out of 10:
 * - vertical (0–3): an ICP vertical (or a synonym: saas ~ software) in the company's vertical or
 *   industry 3, only in its description 2, nothing known about its trade 1, a known other trade 0;
 * - size (0–3): employees within `size_min`–`size_max` 3; only the bucket known and it overlaps
 *   the range 2; unknown 1; within half / twice the range 1; further out 0;
 * - signals (0–4): 4 × the share of ICP signals the company shows (2 when the ICP lists none).
 * The score is at least 1. Priority: 8+ high, 5+ medium, else low. Disqualifiers are checked
 * separately and reported in `disqualification` (the caller sets the status).
 */
export function scoreCompany(c: CompanyRecord, icp: Icp, extraDisqualifiers: readonly string[] = []): CompanyFit {
  const parts: string[] = [];
  // Vertical
  const trade = new Set(tokens([c.vertical, c.industry].filter(Boolean).join(" ")));
  const desc = new Set(tokens(c.description ?? ""));
  let vertical = 0;
  const vHit = icp.company.verticals.find((v) => has(trade, verticalWords(v)));
  if (vHit) {
    vertical = 3;
    parts.push(`vertical ${vHit} matches "${c.industry ?? c.vertical}" (3/3)`);
  } else {
    const dHit = icp.company.verticals.find((v) => has(desc, verticalWords(v)));
    if (dHit) {
      vertical = 2;
      parts.push(`vertical ${dHit} in description (2/3)`);
    } else if (trade.size === 0 && desc.size === 0) {
      vertical = 1;
      parts.push("vertical unknown (1/3)");
    } else {
      parts.push(`vertical not in ${icp.company.verticals.join(", ")} (0/3)`);
    }
  }
  // Size
  const { size_min: min, size_max: max } = icp.company;
  const range = employeeRange(c);
  let size = 0;
  if (!range) {
    size = 1;
    parts.push("size unknown (1/3)");
  } else if (range.min === range.max) {
    const n = range.min;
    if (n >= min && n <= max) size = 3;
    else if (n >= min / 2 && n <= max * 2) size = 1;
    parts.push(`${n} employees vs ${min}–${max} (${size}/3)`);
  } else {
    if (range.max >= min && range.min <= max) size = 2;
    else if (range.max >= min / 2 && range.min <= max * 2) size = 1;
    parts.push(`size ${c.size ?? companySizeBucket(range.min)} vs ${min}–${max} (${size}/3)`);
  }
  // Signals
  const matches = icp.company.signals.map((s) => matchSignal(s, c));
  let signals = 2;
  if (matches.length) {
    const hit = matches.filter((m) => m.matched);
    signals = Math.round((4 * hit.length) / matches.length);
    parts.push(
      `signals ${hit.length}/${matches.length}${hit.length ? ` (${hit.map((m) => `${m.signal}: ${m.evidence}`).join("; ")})` : ""} (${signals}/4)`,
    );
  } else {
    parts.push("no ICP signals to check (2/4)");
  }
  const score = Math.max(1, Math.min(10, vertical + size + signals));
  let disqualification: string | null = null;
  for (const d of [...icp.company.disqualifiers, ...extraDisqualifiers]) {
    disqualification = matchDisqualifier(d, c);
    if (disqualification) break;
  }
  const reasoning = `Fit ${score}/10: ${parts.join("; ")}.${disqualification ? ` Disqualified: ${disqualification}.` : ""}`;
  return { score, priority: priorityOf(score), reasoning, disqualification, signals: matches };
}

// ---------------------------------------------------------------------------------------------
// Buyer fit

const LEVELS: Seniority[] = ["individual", "manager", "director", "vp", "c_level"];

export interface BuyerFit {
  score: number;
  priority: Priority;
  reasoning: string;
  seniority: Seniority | null;
}

/**
 * Scores a person against the ICP's buyer, out of 10:
 * - title (0–4): contains an ICP title 4; shares its function word and level with one 2;
 * - seniority (0–3): one of the ICP's seniorities 3; one level away 1;
 * - department (0–3): the person's department or title names an ICP department 3.
 * The score is at least 1.
 */
export function scoreBuyer(p: Pick<PersonRecord, "title" | "department" | "seniority">, icp: Icp): BuyerFit {
  const title = (p.title ?? "").toLowerCase();
  const titleWords = new Set(tokens(title));
  const seniority = p.seniority ?? (p.title ? normalizeSeniority(p.title) : null);
  const parts: string[] = [];
  let t = 0;
  const exact = icp.buyer.titles.find((x) => title.includes(x.toLowerCase()));
  if (exact) {
    t = 4;
    parts.push(`title matches "${exact}" (4/4)`);
  } else {
    const near = icp.buyer.titles.find((x) => {
      const ws = tokens(x);
      const level = normalizeSeniority(x);
      return level !== null && level === seniority && ws.some((w) => titleWords.has(w) && normalizeSeniority(w) === null);
    });
    if (near) {
      t = 2;
      parts.push(`title close to "${near}" (2/4)`);
    } else {
      parts.push(`title "${p.title ?? "unknown"}" not in ICP titles (0/4)`);
    }
  }
  let s = 0;
  const wanted = icp.buyer.seniority.map(normalizeSeniority).filter((x): x is Seniority => x !== null);
  if (seniority && wanted.includes(seniority)) s = 3;
  else if (seniority && wanted.some((w) => Math.abs(LEVELS.indexOf(w) - LEVELS.indexOf(seniority)) === 1)) s = 1;
  parts.push(`seniority ${seniority ?? "unknown"} (${s}/3)`);
  let d = 0;
  const deptWords = new Set(tokens(`${p.department ?? ""} ${title}`));
  const dHit = icp.buyer.departments.find((x) => tokens(x).some((w) => deptWords.has(w)));
  if (dHit) d = 3;
  parts.push(`department ${dHit ?? p.department ?? "unknown"} (${d}/3)`);
  const score = Math.max(1, Math.min(10, t + s + d));
  return { score, priority: priorityOf(score), reasoning: `Buyer fit ${score}/10: ${parts.join("; ")}.`, seniority };
}
