/**
 * A simulated LLM: an AI SDK `LanguageModelV3` that answers offerlab's structured generations
 * (positioning canvas, ICP, email and LinkedIn templates, reply classification) with JSON that
 * passes core's schemas and copy's checks, written from the offer in the prompt. Deterministic:
 * the same prompt gets the same answer. Pass it as `LlmOptions.model`.
 */
import type { Icp, PositioningCanvas } from "@offerlab/core";
import type { LanguageModel } from "ai";
import { VERTICALS } from "./sandbox-data.js";

/** The AI SDK's model interface (v3), as `ai` exposes it through `LanguageModel`. */
export type SandboxLanguageModel = Extract<LanguageModel, { specificationVersion: "v3" }>;
type CallOptions = Parameters<SandboxLanguageModel["doGenerate"]>[0];
type GenerateResult = Awaited<ReturnType<SandboxLanguageModel["doGenerate"]>>;

/** One call the simulated LLM answered. */
export interface SandboxLlmCall {
  /** The structured output asked for (`positioning_canvas`, `icp`, `email_templates`, `linkedin_templates`, `reply_classification`), or `text`. */
  task: string;
  output: unknown;
}

export interface SandboxLlm {
  model: SandboxLanguageModel;
  /** Every call answered, in order. */
  readonly calls: readonly SandboxLlmCall[];
}

export interface SandboxLlmOptions {
  /** Called with each ICP the model derives (the sandbox uses it to score fit). */
  onIcp?: (icp: Icp) => void;
}

const SPAM =
  /\b(free|guarantee[d]?|urgent|winner|congratulations|act now|limited time|click here|no obligation|risk[- ]free|increase sales|buy now)\b|\$\$\$|!{2,}/gi;
const clean = (s: string) =>
  s
    .replace(SPAM, "")
    .replace(/https?:\/\/\S+|www\.\S+/g, "")
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ")
    .trim();

interface OfferFacts {
  name: string;
  description: string;
  problem: string;
  verticals: string[];
  buyers: { titles: string[]; departments: string[]; seniority: string[]; who: string[] };
  /** The first sentence of the description, without its full stop. */
  summary: string;
  /** The work the offer helps with, as a noun phrase ("pipeline", "finance operations"). */
  area: string;
  /** The buyer's team, as in "growing its sales team". */
  team: string;
  hiringRoles: string[];
}

function promptText(options: CallOptions): { system: string; user: string } {
  let system = "";
  const user: string[] = [];
  for (const message of options.prompt) {
    if (message.role === "system") system += message.content;
    else if (message.role === "user") for (const part of message.content) if (part.type === "text") user.push(part.text);
  }
  // The first user message holds the task; later ones are repair requests.
  return { system, user: user[0] ?? "" };
}

function line(text: string, label: string): string | undefined {
  return new RegExp(`^${label}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
}

interface Buyer {
  /** Words of an offer that point at this buyer. */
  words: readonly string[];
  titles: readonly string[];
  departments: readonly string[];
  seniority: readonly string[];
  who: readonly string[];
  area: string;
  team: string;
  hiringRoles: readonly string[];
}

/** Who buys, by the words of the offer; titles are the world's (sandbox-data ROLES), so fit can be scored. */
const BUYERS: readonly Buyer[] = [
  {
    words: ["sales", "pipeline", "revenue", "outbound", "sdr", "bdr", "quota", "prospecting", "deals"],
    titles: ["VP of Sales", "Chief Revenue Officer", "Director of Sales", "Sales Manager"],
    departments: ["Sales"],
    seniority: ["VP", "Director", "C-Level"],
    who: ["VP of Sales", "Chief Revenue Officer"],
    area: "pipeline",
    team: "sales",
    hiringRoles: ["Sales Development Representative", "Account Executive"],
  },
  {
    words: ["marketing", "demand", "brand", "content", "seo", "campaigns", "leads", "webinar"],
    titles: ["VP of Marketing", "Head of Growth", "Director of Demand Generation"],
    departments: ["Marketing"],
    seniority: ["VP", "Director"],
    who: ["VP of Marketing", "Head of Growth"],
    area: "demand generation",
    team: "marketing",
    hiringRoles: ["Demand Generation Manager", "Content Marketing Manager"],
  },
  {
    words: [
      "engineering",
      "engineers",
      "developer",
      "developers",
      "devops",
      "deploy",
      "code",
      "infrastructure",
      "data",
      "security",
      "cybersecurity",
      "compliance",
    ],
    titles: ["Chief Technology Officer", "VP of Engineering"],
    departments: ["Engineering"],
    seniority: ["C-Level", "VP"],
    who: ["CTO", "VP of Engineering"],
    area: "engineering delivery",
    team: "engineering",
    hiringRoles: ["Software Engineer", "Data Engineer", "DevOps Engineer"],
  },
  {
    words: ["hr", "hiring", "recruiting", "recruiters", "talent", "onboarding", "employees", "people"],
    titles: ["Head of People", "Chief Executive Officer"],
    departments: ["Human Resources"],
    seniority: ["VP", "C-Level"],
    who: ["Head of People"],
    area: "hiring",
    team: "people",
    hiringRoles: ["Account Executive", "Software Engineer"],
  },
  {
    words: ["finance", "financial", "accounting", "close", "invoices", "invoicing", "spend", "expenses", "cfo", "payroll", "cash"],
    titles: ["Chief Financial Officer"],
    departments: ["Finance"],
    seniority: ["C-Level"],
    who: ["CFO"],
    area: "finance operations",
    team: "finance",
    hiringRoles: ["Revenue Operations Manager"],
  },
];
const FOUNDERS: Buyer = {
  words: [],
  titles: ["Chief Executive Officer", "Co-Founder"],
  departments: ["Executive"],
  seniority: ["C-Level"],
  who: ["Founder", "CEO"],
  area: "growth",
  team: "leadership",
  hiringRoles: ["Account Executive"],
};

function offerFacts(text: string): OfferFacts {
  const name = clean(line(text, "Offer") ?? "the offer") || "the offer";
  const description = clean(line(text, "Description") ?? name) || name;
  const stated = line(text, "Problem solved");
  const lower = `${name} ${description} ${stated ?? ""}`.toLowerCase();
  const tokens = lower.split(/[^a-z0-9]+/);
  // Verticals named outright win; otherwise those sharing the most distinctive words with the offer.
  const GENERIC = new Set(["software", "b2b", "platform", "cloud", "api", "online", "services", "saas"]);
  const scored = VERTICALS.map((v) => ({
    slug: v.slug,
    score: (tokens.includes(v.slug) ? 10 : 0) + v.keywords.filter((k) => !GENERIC.has(k) && tokens.includes(k)).length,
  }));
  const top = Math.max(...scored.map((v) => v.score));
  const verticals = top > 0 ? scored.filter((v) => v.score === top).map((v) => v.slug) : [];
  // The buyer family sharing the most words with the offer; founders when none does.
  let buyer = FOUNDERS;
  let best = 0;
  for (const family of BUYERS) {
    const hits = family.words.filter((w) => tokens.includes(w)).length;
    if (hits > best) [buyer, best] = [family, hits];
  }
  const summary = clean(description.split(/(?<=[.!?])\s/)[0] ?? description).replace(/[.!?]+$/, "") || name;
  const problem = stated
    ? clean(stated).replace(/[.!?]+$/, "")
    : `${buyer.area[0]?.toUpperCase() ?? ""}${buyer.area.slice(1)} does not keep up as the company grows`;
  return {
    name,
    description,
    summary,
    problem,
    verticals: verticals.length ? verticals.slice(0, 3) : ["saas"],
    buyers: { titles: [...buyer.titles], departments: [...buyer.departments], seniority: [...buyer.seniority], who: [...buyer.who] },
    area: buyer.area,
    team: buyer.team,
    hiringRoles: [...buyer.hiringRoles],
  };
}

const score = (d: number, r: number, t: number, s: number) => ({
  detectable: d,
  relevant: r,
  timely: t,
  specific: s,
  total: d + r + t + s,
});

const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? `${text[0]?.toLowerCase() ?? ""}${text.slice(1)}` : text);

function positioning(f: OfferFacts): PositioningCanvas {
  const { area, team } = f;
  const verticals = f.verticals.join(", ");
  return {
    category: {
      name: f.name,
      competing_with: `Manual ${area} work, agencies and in-house hires`,
      differentiator: `${f.name} is built for ${verticals} teams that need results within a quarter`,
    },
    problem: {
      core_problem: f.problem,
      who_feels_it: f.buyers.who,
      business_impact: `Slower ${area} and missed targets while the ${team} team is stretched`,
      customer_language: `"We can't keep up with ${area} with the team we have"`,
      awareness_level: "pain_point",
    },
    symptoms: [
      {
        type: "hiring",
        signal: `Hiring ${f.hiringRoles[0] ?? "new staff"} roles`,
        detection: "TheirStack",
        filter: "last_30_days",
        reasoning: `A growing ${team} team feels the problem ${f.name} solves`,
        score: score(5, 4, 5, 4),
      },
      {
        type: "funding",
        signal: "Raised a round in the last 12 months",
        detection: "Exa",
        filter: "last_12_months",
        reasoning: "Fresh funding comes with growth targets and budget",
        score: score(4, 3, 4, 3),
      },
      {
        type: "tech_stack",
        signal: "Uses a modern CRM such as HubSpot or Salesforce",
        detection: "Sumble",
        filter: "technology_in_use",
        reasoning: "A team with a CRM already measures the work and can adopt quickly",
        score: score(4, 3, 2, 3),
      },
    ],
    outcomes: {
      immediate: `A clear view of where ${area} time goes`,
      short_term: "More done within 60 days without new hires",
      long_term: `A repeatable ${area} engine`,
      emotional: "Confidence in the quarter's number",
    },
    alternatives: [
      { name: "Status quo", cons: "The problem grows with the team" },
      { name: "Hiring more people", cons: "Slow to ramp and expensive" },
      { name: "An agency", cons: "Little context on the business and no lasting asset" },
    ],
    positioning_statement: `For ${verticals} companies whose ${f.buyers.who[0] ?? "leaders"} struggle because ${lowerFirst(f.problem)}, ${f.name} delivers ${lowerFirst(f.summary)} without adding headcount.`,
    signal_stacks: [
      {
        name: "Scaling after funding",
        signals: ["funding", "hiring"],
        story: `Funded and growing the ${team} team: the pressure to deliver is on now`,
        priority: "high",
        expected_reply_rate: "8-15%",
      },
      {
        name: "Stretched team",
        signals: ["hiring", "tech_stack"],
        story: `Hiring into a team that already runs a CRM: a fit for ${f.name}`,
        priority: "medium",
        expected_reply_rate: "4-8%",
      },
    ],
    disqualifying_signals: ["Fewer than 10 employees", `Already pays an agency for ${area}`],
  };
}

function icp(canvasText: string): Icp {
  const canvas = (() => {
    const json = /Positioning canvas:\n([\s\S]*?)\n\nDerive the ICP/.exec(canvasText)?.[1];
    try {
      return json ? (JSON.parse(json) as PositioningCanvas) : undefined;
    } catch {
      return undefined;
    }
  })();
  const f = offerFacts(`Offer: ${canvas?.category.name ?? "offer"}\nDescription: ${canvas?.positioning_statement ?? ""}`);
  // The canvas names its buyers: keep that family rather than guessing again from prose.
  const who = canvas?.problem.who_feels_it.join("|");
  const family = [...BUYERS, FOUNDERS].find((b) => b.who.join("|") === who);
  const buyer = family
    ? { titles: [...family.titles], departments: [...family.departments], seniority: [...family.seniority] }
    : { titles: f.buyers.titles, departments: f.buyers.departments, seniority: f.buyers.seniority };
  const verticals = canvas
    ? VERTICALS.filter((v) => new RegExp(`\\b${v.slug}\\b`).test(canvas.positioning_statement.toLowerCase())).map((v) => v.slug)
    : [];
  return {
    company: {
      verticals: verticals.length ? verticals : f.verticals,
      size_min: 20,
      size_max: 1000,
      signals: ["hiring", "funding", "tech_stack"],
      disqualifiers: ["fewer_than_10_employees", "uses_agency"],
    },
    buyer,
  };
}

function emailTemplates(f: OfferFacts, steps: number) {
  const { area, team } = f;
  const bodies = [
    `{Hi|Hello} {{first_name}},\n\nI noticed {{company.name}} is growing its ${team} team. When that happens, ${area} tends to get harder, not easier.\n\n${f.name} (${lowerFirst(f.summary)}) helps teams like yours keep up without adding headcount.\n\nWorth a short call next week?\n\n{{sender.first_name|Best}}`,
    `{{first_name}}, a quick follow-up on my note about ${area} at {{company.name}}.\n\nTeams in {{company.industry|your space}} usually see the first results from ${f.name} within a month.\n\nOpen to comparing notes?`,
    `Hi {{first_name}},\n\nShould I close the loop on this? If ${area} is not a focus right now, no problem at all.\n\nThanks,\n{{sender.first_name|the team}}`,
  ];
  return {
    sequence: Array.from({ length: steps }, (_, i) => ({
      step: i + 1,
      subject: i === 0 ? `${area[0]?.toUpperCase() ?? ""}${area.slice(1)} at {{company.name}}` : "",
      body: bodies[Math.min(i, bodies.length - 1)] as string,
      delay_days: i === 0 ? 0 : i === 1 ? 3 : 4,
    })),
  };
}

function linkedInTemplates(f: OfferFacts, keys: string[]) {
  const { area, team } = f;
  const all: Record<string, string> = {
    connection_request: `Hi {{first_name}}, I talk with ${team} leaders in {{company.industry|your industry}} about how they keep up with ${area} as they scale. Would be glad to connect.`,
    follow_up_dm: `Thanks for connecting, {{first_name}}. Curious: how is {{company.name}} handling ${area} while the team grows? ${f.name} helps with exactly that. Open to a short chat?`,
    inmail: `Hi {{first_name}}, I noticed {{company.name}} is growing. ${f.name} helps ${team} teams keep up with ${area} without adding headcount. Would a 15 minute call next week be useful?`,
  };
  return Object.fromEntries(keys.map((k) => [k, all[k] as string]));
}

function classify(text: string) {
  const reply = (/Reply:\n([\s\S]*)$/.exec(text)?.[1] ?? text).toLowerCase();
  const received = /Received:\s*(\d{4}-\d{2}-\d{2})/.exec(text)?.[1];
  const unsubscribe = /\b(unsubscribe|remove me|take me off|stop emailing|do not contact|don't contact)\b/.test(reply);
  const ooo = /\b(out of (the )?office|vacation|on leave|parental leave|automatic reply|will be back)\b/.test(reply);
  // Asking for a call is interest even when phrased as a question ("could you send some times?").
  const interest =
    /\b(interested|interesting|let's|happy to|glad to|sounds|tell me more|sure|call|what times|how about)\b/.test(reply) &&
    !/\bnot interested\b/.test(reply);
  const sentiment = unsubscribe
    ? "negative"
    : ooo
      ? "ooo"
      : interest
        ? "positive"
        : /\?/.test(reply)
          ? "question"
          : /\b(no|not|pass|already)\b/.test(reply)
            ? "negative"
            : "neutral";
  return { sentiment, unsubscribe, ooo_return_date: ooo && received ? returnDateOf(reply, received) : null };
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** The first day back named in an OOO reply ("back on March 12"), in the year it next comes after `received`; else a week later. */
function returnDateOf(reply: string, received: string): string {
  const named = new RegExp(`\\b(${MONTHS.join("|")})\\s+(\\d{1,2})\\b`).exec(reply);
  const start = Date.parse(`${received}T00:00:00Z`);
  if (named) {
    const month = MONTHS.indexOf(named[1] as string);
    const day = Number(named[2]);
    const year = new Date(start).getUTCFullYear();
    const candidate = Date.UTC(year, month, day);
    return new Date(candidate >= start ? candidate : Date.UTC(year + 1, month, day)).toISOString().slice(0, 10);
  }
  return new Date(start + 7 * 86_400_000).toISOString().slice(0, 10);
}

function taskOf(options: CallOptions, system: string): string {
  const format = options.responseFormat;
  if (format?.type === "json" && format.name) return format.name;
  if (/positioning canvas/i.test(system)) return "positioning_canvas";
  if (/ideal customer profile/i.test(system)) return "icp";
  if (/classify replies/i.test(system)) return "reply_classification";
  return "text";
}

/** Creates the simulated LLM. */
export function createSandboxLlm(options: SandboxLlmOptions = {}): SandboxLlm {
  const calls: SandboxLlmCall[] = [];
  const answer = (call: CallOptions): { task: string; output: unknown } => {
    const { system, user } = promptText(call);
    const task = taskOf(call, system);
    switch (task) {
      case "positioning_canvas":
        return { task, output: positioning(offerFacts(user)) };
      case "icp": {
        const output = icp(user);
        options.onIcp?.(output);
        return { task, output };
      }
      case "email_templates":
        return { task, output: emailTemplates(offerFacts(user), Number(/exactly (\d+) step/.exec(user)?.[1] ?? 3)) };
      case "linkedin_templates": {
        const keys = [...user.matchAll(/^- (connection_request|follow_up_dm|inmail):/gm)].map((m) => m[1] as string);
        return { task, output: linkedInTemplates(offerFacts(user), keys.length ? keys : ["connection_request", "follow_up_dm"]) };
      }
      case "reply_classification":
        return { task, output: classify(user) };
      default:
        return { task, output: `[sandbox LLM] ${user.slice(0, 200)}` };
    }
  };
  const model: SandboxLanguageModel = {
    specificationVersion: "v3",
    provider: "offerlab-sandbox",
    modelId: "sandbox-llm",
    supportedUrls: {},
    async doGenerate(call): Promise<GenerateResult> {
      const { task, output } = answer(call);
      calls.push({ task, output });
      const text = typeof output === "string" ? output : JSON.stringify(output);
      const tokens = Math.ceil(text.length / 4);
      return {
        content: [{ type: "text", text }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 500, noCache: 500, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: tokens, text: tokens, reasoning: 0 },
        },
        warnings: [],
        response: { id: `sandbox-${calls.length}`, modelId: "sandbox-llm", timestamp: new Date(0) },
      };
    },
    async doStream(call) {
      const result = await model.doGenerate(call);
      const text = result.content[0]?.type === "text" ? result.content[0].text : "";
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "0" });
          controller.enqueue({ type: "text-delta", id: "0", delta: text });
          controller.enqueue({ type: "text-end", id: "0" });
          controller.enqueue({ type: "finish", finishReason: result.finishReason, usage: result.usage });
          controller.close();
        },
      });
      return { stream };
    },
  };
  return { model, calls };
}
