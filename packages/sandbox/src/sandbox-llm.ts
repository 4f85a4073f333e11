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

const SPAM = /\b(free|guarantee[d]?|urgent|winner|congratulations|act now|limited time|click here|no obligation|risk[- ]free|increase sales|buy now)\b|\$\$\$|!{2,}/gi;
const clean = (s: string) => s.replace(SPAM, "").replace(/https?:\/\/\S+|www\.\S+/g, "").replace(/[{}]/g, "").replace(/\s+/g, " ").trim();

interface OfferFacts {
  name: string;
  description: string;
  problem: string;
  verticals: string[];
  buyers: { titles: string[]; departments: string[]; seniority: string[]; who: string[] };
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

function offerFacts(text: string): OfferFacts {
  const name = clean(line(text, "Offer") ?? "the offer") || "the offer";
  const description = clean(line(text, "Description") ?? name) || name;
  const lower = `${name} ${description}`.toLowerCase();
  const verticals = VERTICALS.filter((v) => v.keywords.some((k) => k.length > 2 && new RegExp(`\\b${k}\\b`).test(lower)) || lower.includes(v.slug)).map((v) => v.slug);
  const has = (...words: string[]) => words.some((w) => lower.includes(w));
  const buyers = has("sales", "pipeline", "revenue", "outbound", "sdr", "bdr", "quota")
    ? { titles: ["VP of Sales", "Head of Sales", "Chief Revenue Officer", "Director of Sales"], departments: ["Sales"], seniority: ["VP", "Director", "C-Level"], who: ["VP of Sales", "Chief Revenue Officer"], hiringRoles: ["Sales Development Representative", "Account Executive"] }
    : has("marketing", "demand", "brand", "content", "seo")
      ? { titles: ["VP of Marketing", "Head of Growth", "Director of Demand Generation"], departments: ["Marketing"], seniority: ["VP", "Director"], who: ["VP of Marketing", "Head of Growth"], hiringRoles: ["Demand Generation Manager", "Content Marketing Manager"] }
      : has("engineer", "developer", "devops", "cloud", "data", "security")
        ? { titles: ["Chief Technology Officer", "VP of Engineering"], departments: ["Engineering"], seniority: ["C-Level", "VP"], who: ["CTO", "VP of Engineering"], hiringRoles: ["Software Engineer", "Data Engineer", "DevOps Engineer"] }
        : has("hr", "hiring", "recruit", "talent", "people", "onboarding")
          ? { titles: ["Head of People", "Chief Executive Officer"], departments: ["Human Resources"], seniority: ["VP", "C-Level"], who: ["Head of People"], hiringRoles: ["Account Executive", "Software Engineer"] }
          : { titles: ["Chief Executive Officer", "Co-Founder"], departments: ["Executive"], seniority: ["C-Level"], who: ["Founder", "CEO"], hiringRoles: ["Account Executive"] };
  const problem = clean(description.split(/(?<=[.!?])\s/)[0] ?? description).replace(/[.!?]+$/, "");
  return {
    name,
    description,
    problem,
    verticals: verticals.length ? verticals.slice(0, 3) : ["saas"],
    buyers: { titles: buyers.titles, departments: buyers.departments, seniority: buyers.seniority, who: buyers.who },
    hiringRoles: buyers.hiringRoles,
  };
}

const score = (d: number, r: number, t: number, s: number) => ({ detectable: d, relevant: r, timely: t, specific: s, total: d + r + t + s });

function positioning(f: OfferFacts): PositioningCanvas {
  const area = f.buyers.departments[0]?.toLowerCase() ?? "growth";
  return {
    category: { name: `${f.name}`, competing_with: `doing ${area} work by hand, agencies and in-house hires`, differentiator: `${f.name} is built for ${f.verticals.join(", ")} teams that need results within a quarter` },
    problem: {
      core_problem: f.problem,
      who_feels_it: f.buyers.who,
      business_impact: `Missed ${area} targets and slower growth while the team is stretched`,
      customer_language: `"We can't keep up with ${area} with the team we have"`,
      awareness_level: "pain_point",
    },
    symptoms: [
      { type: "hiring", signal: `Hiring ${f.hiringRoles[0] ?? "new staff"} roles`, detection: "TheirStack", filter: "last_30_days", reasoning: `Companies adding ${area} headcount feel the problem ${f.name} solves`, score: score(5, 4, 5, 4) },
      { type: "funding", signal: "Raised a round in the last 12 months", detection: "Exa", filter: "last_12_months", reasoning: "Fresh funding comes with growth targets and budget", score: score(4, 3, 4, 3) },
      { type: "tech_stack", signal: "Uses a modern CRM such as HubSpot or Salesforce", detection: "Sumble", filter: "technology_in_use", reasoning: "A team with a CRM already measures the work and can adopt quickly", score: score(4, 3, 2, 3) },
    ],
    outcomes: { immediate: `A clear view of where ${area} time goes`, short_term: "More qualified conversations within 60 days", long_term: `A repeatable ${area} engine`, emotional: "Confidence in the quarter's number" },
    alternatives: [
      { name: "Status quo", cons: "The problem grows with the team" },
      { name: "Hiring more people", cons: "Slow to ramp and expensive" },
      { name: "An agency", cons: "Little context on the buyer and no lasting asset" },
    ],
    positioning_statement: `For ${f.verticals.join(", ")} companies whose ${f.buyers.who[0] ?? "leaders"} struggle because ${f.problem.toLowerCase()}, ${f.name} delivers results without adding headcount.`,
    signal_stacks: [
      { name: "Scaling after funding", signals: ["funding", "hiring"], story: `Funded and hiring ${area} roles: the pressure to deliver is on now`, priority: "high", expected_reply_rate: "8-15%" },
      { name: "Stretched team", signals: ["hiring", "tech_stack"], story: `Hiring into a team that already runs a CRM: a fit for ${f.name}`, priority: "medium", expected_reply_rate: "4-8%" },
    ],
    disqualifying_signals: ["Fewer than 10 employees", `Already runs a dedicated ${area} agency`],
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
  const f = offerFacts(`Offer: ${canvas?.category.name ?? "offer"}\nDescription: ${canvas?.problem.core_problem ?? ""} ${canvas?.positioning_statement ?? ""} ${(canvas?.problem.who_feels_it ?? []).join(" ")}`);
  const verticals = canvas ? VERTICALS.filter((v) => canvas.positioning_statement.toLowerCase().includes(v.slug)).map((v) => v.slug) : [];
  return {
    company: {
      verticals: verticals.length ? verticals : f.verticals,
      size_min: 20,
      size_max: 1000,
      signals: ["hiring", "funding", "tech_stack"],
      disqualifiers: ["fewer_than_10_employees", "uses_agency"],
    },
    buyer: { titles: f.buyers.titles, departments: f.buyers.departments, seniority: f.buyers.seniority },
  };
}

function emailTemplates(f: OfferFacts, steps: number) {
  const area = f.buyers.departments[0]?.toLowerCase() ?? "growth";
  const bodies = [
    `{Hi|Hello} {{first_name}},\n\nI noticed {{company.name}} is growing its ${area} team. When that happens, ${f.problem.toLowerCase()} tends to get harder, not easier.\n\n${f.name} helps teams like yours handle it without adding headcount.\n\nWorth a short call next week?\n\n{{sender.first_name|Best}}`,
    `{{first_name}}, a quick follow-up on my note about ${area} at {{company.name}}.\n\nTeams in {{company.industry|your space}} usually see the first results within a month.\n\nOpen to comparing notes?`,
    `Hi {{first_name}},\n\nShould I close the loop on this? If ${area} is not a focus right now, no problem at all.\n\nThanks,\n{{sender.first_name|the team}}`,
  ];
  return {
    sequence: Array.from({ length: steps }, (_, i) => ({
      step: i + 1,
      subject: i === 0 ? `${area} at {{company.name}}`.slice(0, 60) : "",
      body: bodies[Math.min(i, bodies.length - 1)] as string,
      delay_days: i === 0 ? 0 : i === 1 ? 3 : 4,
    })),
  };
}

function linkedInTemplates(f: OfferFacts, keys: string[]) {
  const area = f.buyers.departments[0]?.toLowerCase() ?? "growth";
  const all: Record<string, string> = {
    connection_request: `Hi {{first_name}}, I work with ${area} leaders in {{company.industry|your industry}} on how they scale. Would be glad to connect.`,
    follow_up_dm: `Thanks for connecting, {{first_name}}. Curious: how is {{company.name}} handling ${area} while the team grows? ${f.name} helps with exactly that. Open to a short chat?`,
    inmail: `Hi {{first_name}}, I noticed {{company.name}} is hiring. ${f.name} helps ${area} teams keep up without adding headcount. Would a 15 minute call next week be useful?`,
  };
  return Object.fromEntries(keys.map((k) => [k, all[k] as string]));
}

function classify(text: string) {
  const reply = (/Reply:\n([\s\S]*)$/.exec(text)?.[1] ?? text).toLowerCase();
  const received = /Received:\s*(\d{4}-\d{2}-\d{2})/.exec(text)?.[1];
  const unsubscribe = /\b(unsubscribe|remove me|take me off|stop emailing|do not contact|don't contact)\b/.test(reply);
  const ooo = /\b(out of (the )?office|vacation|on leave|parental leave|automatic reply|will be back)\b/.test(reply);
  const sentiment = unsubscribe
    ? "negative"
    : ooo
      ? "ooo"
      : /\?/.test(reply) && !/\b(what times|how about)\b/.test(reply)
        ? "question"
        : /\b(interested|let's|happy to|glad to|sounds|tell me more|sure|call)\b/.test(reply) && !/\bnot interested\b/.test(reply)
          ? "positive"
          : /\b(no|not|pass|already)\b/.test(reply)
            ? "negative"
            : "neutral";
  const returnDate = ooo && received ? new Date(Date.parse(received) + 7 * 86_400_000).toISOString().slice(0, 10) : null;
  return { sentiment, unsubscribe, ooo_return_date: returnDate };
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
        usage: { inputTokens: { total: 500, noCache: 500, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: tokens, text: tokens, reasoning: 0 } },
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
