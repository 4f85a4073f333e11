/** The vocabulary the sandbox's world is drawn from: verticals, places, roles, names and reply texts. */
import type { Seniority } from "@offerlab/core";

export interface Vertical {
  /** Short slug, as ICPs name verticals (`saas`, `fintech`). */
  slug: string;
  /** LinkedIn / TheirStack style industry label. */
  industry: string;
  /** What the companies do, with `{x}` for a domain-specific word. */
  pitches: string[];
  objects: string[];
  nameParts: string[];
  keywords: string[];
  technologies: string[];
}

export const VERTICALS: readonly Vertical[] = [
  {
    slug: "saas",
    industry: "Software Development",
    pitches: [
      "{x} software for B2B sales teams",
      "a platform that automates {x} for mid-market companies",
      "{x} analytics for revenue teams",
    ],
    objects: ["pipeline", "revenue", "forecasting", "sales engagement", "customer success", "workflow"],
    nameParts: ["Pipe", "Stack", "Loop", "Signal", "Flow", "Cloud", "Grid", "Beacon"],
    keywords: ["saas", "software", "b2b", "sales", "revenue", "platform", "cloud"],
    technologies: ["salesforce", "hubspot", "snowflake", "segment", "aws", "react", "gong", "outreach", "intercom"],
  },
  {
    slug: "fintech",
    industry: "Financial Services",
    pitches: ["{x} for small businesses", "an API for {x}", "{x} software for finance teams"],
    objects: ["payments", "expense management", "lending", "accounts payable", "treasury", "payroll"],
    nameParts: ["Ledger", "Coin", "Vault", "Mint", "Capital", "Pay", "Fund"],
    keywords: ["fintech", "finance", "payments", "banking", "software", "api"],
    technologies: ["stripe", "plaid", "salesforce", "hubspot", "aws", "snowflake", "zendesk"],
  },
  {
    slug: "healthtech",
    industry: "Hospitals and Health Care",
    pitches: ["{x} for clinics", "a {x} platform for care teams", "{x} software for hospitals"],
    objects: ["patient scheduling", "telehealth", "care coordination", "medical billing", "clinical data"],
    nameParts: ["Care", "Health", "Medi", "Vita", "Pulse", "Clinic"],
    keywords: ["healthtech", "health", "healthcare", "clinics", "patients", "software"],
    technologies: ["salesforce", "aws", "hubspot", "twilio", "zendesk", "azure"],
  },
  {
    slug: "ecommerce",
    industry: "Retail",
    pitches: ["an online store for {x}", "a direct-to-consumer {x} brand", "{x} delivered to your door"],
    objects: ["coffee", "outdoor gear", "skincare", "pet food", "furniture", "sneakers"],
    nameParts: ["Shop", "Cart", "Goods", "Market", "Store", "Supply"],
    keywords: ["ecommerce", "retail", "dtc", "consumer", "online", "brand"],
    technologies: ["shopify", "klaviyo", "stripe", "google-analytics", "hubspot", "gorgias"],
  },
  {
    slug: "logistics",
    industry: "Transportation, Logistics, Supply Chain and Storage",
    pitches: ["{x} for shippers", "a {x} network for e-commerce brands", "{x} software for carriers"],
    objects: ["freight brokerage", "last-mile delivery", "warehouse management", "fleet tracking"],
    nameParts: ["Freight", "Route", "Cargo", "Haul", "Dock", "Fleet"],
    keywords: ["logistics", "supply", "chain", "freight", "shipping", "transportation"],
    technologies: ["salesforce", "sap", "aws", "hubspot", "oracle", "tableau"],
  },
  {
    slug: "martech",
    industry: "Advertising Services",
    pitches: ["{x} for marketing teams", "an {x} platform for B2B marketers", "{x} that proves marketing ROI"],
    objects: ["attribution", "account-based marketing", "content analytics", "webinar", "intent data"],
    nameParts: ["Reach", "Spark", "Buzz", "Lead", "Funnel", "Brand"],
    keywords: ["martech", "marketing", "b2b", "advertising", "demand", "software", "saas"],
    technologies: ["hubspot", "marketo", "salesforce", "segment", "google-analytics", "6sense"],
  },
  {
    slug: "cybersecurity",
    industry: "Computer and Network Security",
    pitches: ["{x} for cloud-native companies", "a {x} platform for mid-market IT teams", "{x} as a service"],
    objects: ["identity security", "endpoint protection", "compliance automation", "threat detection"],
    nameParts: ["Shield", "Guard", "Sentinel", "Fort", "Lock", "Secure"],
    keywords: ["cybersecurity", "security", "compliance", "cloud", "software", "saas", "b2b"],
    technologies: ["aws", "okta", "crowdstrike", "salesforce", "datadog", "kubernetes"],
  },
  {
    slug: "hrtech",
    industry: "Human Resources Services",
    pitches: ["{x} for growing teams", "a {x} platform for HR leaders", "{x} software for recruiters"],
    objects: ["recruiting", "employee onboarding", "performance reviews", "benefits administration"],
    nameParts: ["Talent", "Hire", "People", "Crew", "Team", "Staff"],
    keywords: ["hrtech", "hr", "recruiting", "people", "software", "saas", "b2b"],
    technologies: ["greenhouse", "workday", "salesforce", "hubspot", "aws", "slack"],
  },
  {
    slug: "it-services",
    industry: "IT Services and IT Consulting",
    pitches: ["{x} for mid-sized companies", "{x} consulting", "managed {x}"],
    objects: ["cloud migration", "managed IT", "Salesforce implementation", "data engineering", "DevOps"],
    nameParts: ["Tech", "Logic", "Bridge", "Works", "Partners", "Systems"],
    keywords: ["it", "services", "consulting", "cloud", "agency", "b2b"],
    technologies: ["microsoft-365", "aws", "azure", "salesforce", "jira", "hubspot"],
  },
  {
    slug: "manufacturing",
    industry: "Industrial Machinery Manufacturing",
    pitches: ["{x} for industrial customers", "precision {x}", "{x} made in-house"],
    objects: ["machined parts", "packaging equipment", "industrial sensors", "automation systems"],
    nameParts: ["Forge", "Steel", "Works", "Industrial", "Machine", "Tool"],
    keywords: ["manufacturing", "industrial", "machinery", "factory", "engineering"],
    technologies: ["sap", "oracle", "microsoft-dynamics", "salesforce", "autocad"],
  },
];

export const NAME_SUFFIXES = ["ly", "io", "ify", "wise", "hub", "base", "labs", "HQ", "works", "forge", "path", "line"] as const;
export const TLDS = ["com", "com", "com", "io", "ai", "co"] as const;

export interface Place {
  country_code: string;
  country: string;
  cities: string[];
  states?: Record<string, string>;
}

export const PLACES: readonly Place[] = [
  {
    country_code: "US",
    country: "United States",
    cities: ["New York", "San Francisco", "Austin", "Boston", "Chicago", "Denver", "Seattle", "Atlanta"],
    states: {
      "New York": "NY",
      "San Francisco": "CA",
      Austin: "TX",
      Boston: "MA",
      Chicago: "IL",
      Denver: "CO",
      Seattle: "WA",
      Atlanta: "GA",
    },
  },
  { country_code: "GB", country: "United Kingdom", cities: ["London", "Manchester", "Bristol", "Edinburgh"] },
  { country_code: "DE", country: "Germany", cities: ["Berlin", "Munich", "Hamburg"] },
  { country_code: "FR", country: "France", cities: ["Paris", "Lyon", "Nantes"] },
  { country_code: "CA", country: "Canada", cities: ["Toronto", "Vancouver", "Montreal"] },
  { country_code: "NL", country: "Netherlands", cities: ["Amsterdam", "Rotterdam", "Utrecht"] },
];
/** Weight of each place, in PLACES order. */
export const PLACE_WEIGHTS = { US: 50, GB: 15, DE: 10, FR: 8, CA: 9, NL: 8 } as const;

/** Employee-count buckets (`companies.size`) with weights and ranges. */
export const SIZE_BUCKETS = {
  "1-10": { weight: 8, min: 3, max: 10 },
  "11-50": { weight: 24, min: 11, max: 50 },
  "51-200": { weight: 30, min: 51, max: 200 },
  "201-500": { weight: 18, min: 201, max: 500 },
  "501-1000": { weight: 10, min: 501, max: 1000 },
  "1000+": { weight: 10, min: 1001, max: 12000 },
} as const;
export type SizeBucket = keyof typeof SIZE_BUCKETS;

export const FUNDING_STAGES = { seed: 30, series_a: 30, series_b: 20, series_c: 12, series_d: 8 } as const;
export const FUNDING_AMOUNTS: Record<keyof typeof FUNDING_STAGES, [number, number]> = {
  seed: [1_000_000, 4_000_000],
  series_a: [5_000_000, 18_000_000],
  series_b: [20_000_000, 50_000_000],
  series_c: [40_000_000, 120_000_000],
  series_d: [80_000_000, 250_000_000],
};
export const FUNDING_ROUND_LABEL: Record<keyof typeof FUNDING_STAGES, string> = {
  seed: "Seed",
  series_a: "Series A",
  series_b: "Series B",
  series_c: "Series C",
  series_d: "Series D",
};

/** Open roles a company may be hiring for, with TheirStack's seniority words. */
export const JOB_TITLES: readonly { title: string; seniority: string; family: "sales" | "marketing" | "engineering" | "ops" }[] = [
  { title: "Sales Development Representative", seniority: "junior", family: "sales" },
  { title: "Business Development Representative", seniority: "junior", family: "sales" },
  { title: "Account Executive", seniority: "mid_level", family: "sales" },
  { title: "Senior Account Executive", seniority: "senior", family: "sales" },
  { title: "Head of Sales", seniority: "c_level", family: "sales" },
  { title: "VP of Sales", seniority: "c_level", family: "sales" },
  { title: "Revenue Operations Manager", seniority: "mid_level", family: "ops" },
  { title: "Customer Success Manager", seniority: "mid_level", family: "ops" },
  { title: "Demand Generation Manager", seniority: "mid_level", family: "marketing" },
  { title: "Content Marketing Manager", seniority: "mid_level", family: "marketing" },
  { title: "Head of Marketing", seniority: "c_level", family: "marketing" },
  { title: "Software Engineer", seniority: "mid_level", family: "engineering" },
  { title: "Senior Software Engineer", seniority: "senior", family: "engineering" },
  { title: "Data Engineer", seniority: "mid_level", family: "engineering" },
  { title: "DevOps Engineer", seniority: "mid_level", family: "engineering" },
];

/** People a company has, by the size of the company (smaller companies: founders sell). */
export interface Role {
  title: string;
  seniority: Seniority;
  department: string;
  /** Sumble's job_level / job_function words. */
  level: string;
  fn: string;
  minSize: number;
}
export const ROLES: readonly Role[] = [
  { title: "Chief Executive Officer", seniority: "c_level", department: "Executive", level: "C-Level", fn: "Executive", minSize: 0 },
  { title: "Co-Founder", seniority: "c_level", department: "Executive", level: "C-Level", fn: "Executive", minSize: 0 },
  { title: "Chief Revenue Officer", seniority: "c_level", department: "Sales", level: "C-Level", fn: "Sales", minSize: 60 },
  { title: "VP of Sales", seniority: "vp", department: "Sales", level: "VP", fn: "Sales", minSize: 30 },
  { title: "Head of Growth", seniority: "vp", department: "Marketing", level: "VP", fn: "Marketing", minSize: 15 },
  { title: "VP of Marketing", seniority: "vp", department: "Marketing", level: "VP", fn: "Marketing", minSize: 50 },
  { title: "Director of Sales", seniority: "director", department: "Sales", level: "Director", fn: "Sales", minSize: 80 },
  {
    title: "Director of Demand Generation",
    seniority: "director",
    department: "Marketing",
    level: "Director",
    fn: "Marketing",
    minSize: 100,
  },
  { title: "Sales Manager", seniority: "manager", department: "Sales", level: "Manager", fn: "Sales", minSize: 20 },
  { title: "Revenue Operations Manager", seniority: "manager", department: "Operations", level: "Manager", fn: "Operations", minSize: 60 },
  { title: "Chief Technology Officer", seniority: "c_level", department: "Engineering", level: "C-Level", fn: "Engineering", minSize: 0 },
  { title: "VP of Engineering", seniority: "vp", department: "Engineering", level: "VP", fn: "Engineering", minSize: 60 },
  { title: "Head of People", seniority: "vp", department: "Human Resources", level: "VP", fn: "Human Resources", minSize: 40 },
  { title: "Chief Financial Officer", seniority: "c_level", department: "Finance", level: "C-Level", fn: "Finance", minSize: 100 },
  { title: "Account Executive", seniority: "individual", department: "Sales", level: "Individual Contributor", fn: "Sales", minSize: 10 },
  {
    title: "Sales Development Representative",
    seniority: "individual",
    department: "Sales",
    level: "Individual Contributor",
    fn: "Sales",
    minSize: 20,
  },
  {
    title: "Software Engineer",
    seniority: "individual",
    department: "Engineering",
    level: "Individual Contributor",
    fn: "Engineering",
    minSize: 0,
  },
];

export const FIRST_NAMES = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Ava",
  "Elijah",
  "Sophia",
  "James",
  "Isabella",
  "Lucas",
  "Mia",
  "Mateo",
  "Amelia",
  "Ethan",
  "Harper",
  "Aiden",
  "Evelyn",
  "Daniel",
  "Abigail",
  "Henry",
  "Priya",
  "Arjun",
  "Mei",
  "Wei",
  "Yuki",
  "Kenji",
  "Fatima",
  "Omar",
  "Chloé",
  "Louis",
  "Léa",
  "Hugo",
  "Anna",
  "Lukas",
  "Marie",
  "Felix",
  "Sofia",
  "Jonas",
  "Grace",
  "Samuel",
  "Nora",
  "David",
  "Zoe",
  "Caleb",
  "Hannah",
  "Isaac",
  "Leah",
  "Ryan",
  "Maya",
  "Nathan",
  "Aisha",
  "Tariq",
  "Ingrid",
  "Lars",
  "Elena",
  "Marco",
];
export const LAST_NAMES = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Rodriguez",
  "Martinez",
  "Lee",
  "Walker",
  "Hall",
  "Allen",
  "Young",
  "King",
  "Wright",
  "Scott",
  "Green",
  "Baker",
  "Adams",
  "Nelson",
  "Carter",
  "Mitchell",
  "Patel",
  "Shah",
  "Chen",
  "Wang",
  "Tanaka",
  "Sato",
  "Khan",
  "Haddad",
  "Dubois",
  "Martin",
  "Bernard",
  "Müller",
  "Schmidt",
  "Schneider",
  "Fischer",
  "Weber",
  "Rossi",
  "Bianchi",
  "Jansen",
  "de Vries",
  "Bakker",
  "Novak",
  "Larsen",
  "Andersen",
  "O'Brien",
  "Murphy",
  "Kelly",
];

/** Reply texts by kind, with `{first}` for the replier's first name and `{date}` for a return date. */
export const REPLY_TEXTS = {
  positive: [
    "Thanks for reaching out, this sounds interesting. Happy to chat next week, what times work for you?",
    "Good timing, we are looking at this right now. Let's set up a call.",
    "I'd be glad to learn more. Could you send some times for a 20 minute call?",
    "Sure, I'm open to a quick chat. How about Thursday afternoon?",
    "Interesting. Tell me more about how this works for a team our size.",
  ],
  negative: [
    "Thanks, but we're not interested at the moment.",
    "We already have a solution in place for this, so we'll pass.",
    "Not a priority for us this year. Thanks anyway.",
    "No thanks, we're all set.",
    "Not a fit for us right now.",
  ],
  question: [
    "How is this different from what we already use?",
    "What does pricing look like for a team of our size?",
    "Can you share a customer example in our industry?",
    "Who else in our space is using this?",
    "Does this integrate with our CRM?",
  ],
  ooo: [
    "I am out of the office until {date} with limited access to email. I will respond when I return.",
    "Automatic reply: I'm currently on vacation and will be back on {date}.",
    "Thank you for your email. I am on parental leave and will be back in the office on {date}.",
  ],
  unsubscribe: [
    "Please remove me from your list.",
    "Unsubscribe.",
    "Stop emailing me. Not interested.",
    "Please take me off your mailing list and do not contact me again.",
  ],
} as const;
export type ReplyKind = keyof typeof REPLY_TEXTS;

export const BOUNCE_TEXT =
  "** Address not found **\n\nYour message wasn't delivered to {email} because the address couldn't be found, or is unable to receive mail.\n\n" +
  "The response from the remote server was:\n550 5.1.1 The email account that you tried to reach does not exist.";
