/**
 * The seeded world: companies across verticals, sizes and countries with hiring, funding and
 * tech-stack signals; their people with titles, seniorities and departments; email addresses
 * with a deliverability truth (valid, invalid, catch-all, unknown); LinkedIn profiles at 1st, 2nd
 * and 3rd degree; and the sending accounts. Pure data: the vendor fakes are built over it.
 */
import { createHash } from "node:crypto";
import type { Seniority } from "@offerlab/core";
import type { Random } from "./sandbox-random.js";
import type { Place, SizeBucket, Vertical } from "./sandbox-data.js";
import {
  FIRST_NAMES,
  FUNDING_AMOUNTS,
  FUNDING_ROUND_LABEL,
  FUNDING_STAGES,
  JOB_TITLES,
  LAST_NAMES,
  NAME_SUFFIXES,
  PLACE_WEIGHTS,
  PLACES,
  ROLES,
  SIZE_BUCKETS,
  TLDS,
  VERTICALS,
} from "./sandbox-data.js";

/** The truth about an address, as a verifier would find it. */
export type SandboxEmailStatus = "valid" | "invalid" | "catch_all" | "unknown";

export interface SandboxJob {
  title: string;
  /** TheirStack's seniority word (`junior`, `mid_level`, `senior`, `c_level`). */
  seniority: string;
  family: "sales" | "marketing" | "engineering" | "ops";
  country_code: string;
  /** `YYYY-MM-DD`, before the sandbox's start. */
  date_posted: string;
}

export interface SandboxCompany {
  /** Stable numeric id (Sumble's organisation id). */
  id: number;
  name: string;
  /** Normalised: lower case, no scheme, no `www.`. */
  domain: string;
  url: string;
  linkedin_url: string;
  description: string;
  /** The vertical's slug (`saas`, `fintech` ...), as ICPs name verticals. */
  vertical: string;
  industry: string;
  size: SizeBucket;
  employees: number;
  city: string;
  state: string | null;
  country_code: string;
  country: string;
  technologies: string[];
  funding: { stage: string; round: string; amount: number; date: string } | null;
  jobs: SandboxJob[];
  /** The mail server accepts every address: verification says catch-all. */
  catchAll: boolean;
  /** Lower-case words the company is found by (Exa and Parallel match queries against them). */
  keywords: string[];
  /** 0–1: how strongly hiring, funding and stack say "buying now"; raises reply rates. */
  signalStrength: number;
}

export interface SandboxPerson {
  /** Stable id within the world (`p<company id>-<n>`). */
  id: string;
  companyDomain: string;
  companyName: string;
  first_name: string;
  last_name: string;
  full_name: string;
  title: string;
  seniority: Seniority;
  department: string;
  /** Sumble's `job_level` and `job_function`. */
  level: string;
  fn: string;
  email: string;
  emailStatus: SandboxEmailStatus;
  /** Whether an email finder can find the address. */
  findable: boolean;
  /** Canonical `https://www.linkedin.com/in/<publicId>`. */
  linkedin_url: string;
  public_identifier: string;
  /** LinkedIn member id (what invitations and chats address). */
  provider_id: string;
  /** Degree of connection to the sandbox's LinkedIn accounts; null = out of network. */
  degree: 1 | 2 | 3 | null;
  can_send_inmail: boolean;
  is_open_profile: boolean;
  /** 0–1: a hidden trait of the person; multiplies reply and acceptance rates. */
  responsiveness: number;
}

export interface SandboxAccount {
  /** Unipile account id. */
  id: string;
  name: string;
  type: "LINKEDIN" | "GOOGLE_OAUTH" | "OUTLOOK";
  /** LinkedIn member id of the owner, or the mailbox address. */
  self: string;
  premiumFeatures?: string[];
}

export interface SandboxWorld {
  seed: string;
  startAt: Date;
  companies: SandboxCompany[];
  people: SandboxPerson[];
  accounts: SandboxAccount[];
}

export interface WorldOptions {
  /** Number of companies. Default 150. */
  companies?: number;
  /** LinkedIn and email accounts of the sender. Default 2 and 2. */
  accounts?: { linkedin?: number; email?: number };
  /** The sender's company domain (mailbox addresses). Default `offerlab-demo.com`. */
  senderDomain?: string;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const slug = (s: string) =>
  s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");

function placeOf(random: Random): Place {
  const code = random.weighted(PLACE_WEIGHTS);
  return PLACES.find((p) => p.country_code === code) as Place;
}

/** A company name and domain, both unique in the world (a name shared by two companies would make name lookups ambiguous). */
function companyName(random: Random, vertical: Vertical, taken: Set<string>): { name: string; domain: string } {
  for (let attempt = 0; ; attempt++) {
    const base = random.pick(vertical.nameParts);
    const style = random.int(0, 2);
    const name =
      style === 0
        ? `${base}${random.pick(NAME_SUFFIXES)}`
        : style === 1
          ? `${random.pick(["Blue", "North", "Bright", "Clear", "True", "Swift", "Open", "Silver", "Red", "Iron", "Green", "High"])}${base.toLowerCase()}`
          : `${random.pick(LAST_NAMES).replace(/[^A-Za-z]/g, "")} ${base}`;
    const finalName = attempt > 3 ? `${name} ${attempt}` : name;
    const domain = `${slug(name)}${attempt > 3 ? attempt : ""}.${random.pick(TLDS)}`;
    if (!taken.has(domain) && !taken.has(`name:${finalName.toLowerCase()}`)) {
      taken.add(domain);
      taken.add(`name:${finalName.toLowerCase()}`);
      return { name: finalName, domain };
    }
  }
}

function emailOf(first: string, last: string, domain: string, pattern: number): string {
  const f = slug(first);
  const l = slug(last);
  return pattern === 0 ? `${f}.${l}@${domain}` : pattern === 1 ? `${f[0] ?? "x"}${l}@${domain}` : `${f}@${domain}`;
}

/** Two namesakes at one company get `jane.doe@` and `jane.doe2@`: one address, one person. */
function uniqueEmail(email: string, taken: Set<string>): string {
  const [local, domain] = email.split("@") as [string, string];
  let candidate = email;
  for (let n = 2; taken.has(candidate); n++) candidate = `${local}${n}@${domain}`;
  taken.add(candidate);
  return candidate;
}

/** Generates the world for a seed. Same seed and options, same world. */
export function generateWorld(random: Random, seed: string, startAt: Date, options: WorldOptions = {}): SandboxWorld {
  const count = options.companies ?? 150;
  const start = startAt.getTime();
  const taken = new Set<string>();
  const companies: SandboxCompany[] = [];
  const people: SandboxPerson[] = [];
  const takenProfiles = new Set<string>();
  const takenEmails = new Set<string>();

  for (let i = 0; i < count; i++) {
    const vertical = VERTICALS[i % VERTICALS.length] as Vertical;
    const { name, domain } = companyName(random, vertical, taken);
    const size = random.weighted(
      Object.fromEntries(Object.entries(SIZE_BUCKETS).map(([k, v]) => [k, v.weight])) as Record<SizeBucket, number>,
    );
    const bucket = SIZE_BUCKETS[size];
    const employees = random.int(bucket.min, bucket.max);
    const place = placeOf(random);
    const city = random.pick(place.cities);
    const object = random.pick(vertical.objects);
    const description = `${name} builds ${random.pick(vertical.pitches).replace("{x}", object)}.`;
    const technologies = random.sample(vertical.technologies, random.int(2, Math.min(5, vertical.technologies.length)));

    // Funding: startups more often than large or very small companies.
    const fundable = employees >= 8 && employees <= 2000 && vertical.slug !== "manufacturing";
    const funding =
      fundable && random.chance(0.4)
        ? (() => {
            const stage = random.weighted(FUNDING_STAGES);
            const [lo, hi] = FUNDING_AMOUNTS[stage];
            const amount = Math.round(random.int(lo, hi) / 100_000) * 100_000;
            return { stage, round: FUNDING_ROUND_LABEL[stage], amount, date: isoDay(start - random.int(10, 540) * DAY_MS) };
          })()
        : null;

    // Hiring: bigger and freshly funded companies hire more, and software companies hire sellers.
    const hiringChance = Math.min(0.85, 0.25 + (funding ? 0.3 : 0) + (employees > 50 ? 0.15 : 0));
    const jobs: SandboxJob[] = [];
    if (random.chance(hiringChance)) {
      const openings = random.int(1, Math.min(8, 1 + Math.floor(employees / 40)));
      const salesLean = ["saas", "fintech", "martech", "cybersecurity", "hrtech"].includes(vertical.slug) ? 0.55 : 0.3;
      for (let j = 0; j < openings; j++) {
        const pool = JOB_TITLES.filter((t) => (random.chance(salesLean) ? t.family === "sales" : t.family !== "sales"));
        const job = random.pick(pool.length ? pool : JOB_TITLES);
        jobs.push({
          title: job.title,
          seniority: job.seniority,
          family: job.family,
          country_code: place.country_code,
          date_posted: isoDay(start - random.int(1, 45) * DAY_MS),
        });
      }
    }
    const recentFunding = funding !== null && start - Date.parse(funding.date) < 365 * DAY_MS;
    const salesJobs = jobs.filter((j) => j.family === "sales").length;
    const signalStrength = Math.min(
      1,
      (jobs.length > 0 ? 0.15 : 0) +
        Math.min(0.4, salesJobs * 0.15) +
        (recentFunding ? 0.3 : funding ? 0.1 : 0) +
        (technologies.length >= 4 ? 0.1 : 0),
    );

    const keywords = new Set<string>([
      ...vertical.keywords,
      ...`${object} ${vertical.industry} ${city} ${place.country}`
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length > 1 && !["and", "for", "of", "the"].includes(w)),
      ...technologies,
      ...(jobs.length ? ["hiring"] : []),
      ...(salesJobs ? ["sales", "hiring-sales"] : []),
      ...(funding ? ["funded", "funding", "venture", funding.stage.replace("_", "-"), ...funding.round.toLowerCase().split(" ")] : []),
      size === "1-10" || size === "11-50" ? "startup" : size === "1000+" ? "enterprise" : "mid-market",
    ]);

    const company: SandboxCompany = {
      id: 100_000 + i,
      name,
      domain,
      url: `https://www.${domain}`,
      linkedin_url: `https://www.linkedin.com/company/${slug(name)}`,
      description,
      vertical: vertical.slug,
      industry: vertical.industry,
      size,
      employees,
      city,
      state: place.states?.[city] ?? null,
      country_code: place.country_code,
      country: place.country,
      technologies,
      funding,
      jobs,
      catchAll: random.chance(0.18),
      keywords: [...keywords],
      signalStrength: Math.round(signalStrength * 100) / 100,
    };
    companies.push(company);

    // People: founders and executives everywhere, functional leaders and ICs as the company grows.
    const pattern = random.int(0, 2);
    const eligible = ROLES.filter((r) => employees >= r.minSize);
    const headcount = Math.min(eligible.length, 3 + Math.min(5, Math.floor(Math.log2(employees))));
    const roles = [eligible[0] as (typeof ROLES)[number], ...random.sample(eligible.slice(1), headcount - 1)];
    roles.forEach((role, n) => {
      const first = random.pick(FIRST_NAMES);
      const last = random.pick(LAST_NAMES);
      let base = `${slug(first)}-${slug(last)}`;
      while (takenProfiles.has(base)) base = `${slug(first)}-${slug(last)}-${random.hex(4)}`;
      takenProfiles.add(base);
      // Vanity ids carry a suffix drawn from the seed (as many real ones carry digits), so two
      // worlds do not share people by URL; derived by hashing, it leaves the world's stream as is.
      const publicId = `${base}-${createHash("sha256").update(`${seed}|${company.domain}|${n}`).digest("hex").slice(0, 6)}`;
      const status: SandboxEmailStatus = company.catchAll
        ? random.chance(0.1)
          ? "invalid"
          : "catch_all"
        : random.weighted({ valid: 77, invalid: 14, unknown: 9 });
      const degree = random.weighted({ first: 6, second: 52, third: 34, out: 8 });
      people.push({
        id: `p${company.id}-${n}`,
        companyDomain: domain,
        companyName: name,
        first_name: first,
        last_name: last,
        full_name: `${first} ${last}`,
        title: role.title,
        seniority: role.seniority,
        department: role.department,
        level: role.level,
        fn: role.fn,
        email: uniqueEmail(emailOf(first, last, domain, pattern), takenEmails),
        emailStatus: status,
        findable: status === "invalid" ? random.chance(0.25) : random.chance(0.9),
        linkedin_url: `https://www.linkedin.com/in/${publicId}`,
        public_identifier: publicId,
        provider_id: `ACoAA${random.hex(6).toUpperCase()}${random.hex(12)}`,
        degree: degree === "first" ? 1 : degree === "second" ? 2 : degree === "third" ? 3 : null,
        can_send_inmail: random.chance(0.6),
        is_open_profile: random.chance(0.1),
        responsiveness: Math.round(random.next() * 100) / 100,
      });
    });
  }

  const senderDomain = options.senderDomain ?? "offerlab-demo.com";
  const accounts: SandboxAccount[] = [];
  const senders = ["Alex Morgan", "Sam Rivera", "Jordan Lee", "Casey Kim", "Taylor Brooks", "Robin Diaz"];
  for (let i = 0; i < (options.accounts?.linkedin ?? 2); i++) {
    accounts.push({
      id: `sbxLinkedIn${i + 1}${random.hex(10)}`,
      name: senders[i % senders.length] as string,
      type: "LINKEDIN",
      self: `ACoAASENDER${i + 1}${random.hex(10)}`,
      premiumFeatures: i === 0 ? ["premium", "sales_navigator"] : [],
    });
  }
  for (let i = 0; i < (options.accounts?.email ?? 2); i++) {
    const owner = senders[i % senders.length] as string;
    const local = slug(owner.split(" ")[0] ?? "sender");
    accounts.push({
      id: `sbxMailbox${i + 1}${random.hex(10)}`,
      name: `${local}@${senderDomain}`,
      type: i % 2 === 0 ? "GOOGLE_OAUTH" : "OUTLOOK",
      self: `${local}@${senderDomain}`,
    });
  }
  return { seed, startAt: new Date(start), companies, people, accounts };
}
