/** The prompts of the generation functions. Plain text; the schemas carry the structure. */
import type { Icp, OfferRow, PositioningCanvas } from "@offerlab/core";
import { LINKEDIN_NOTE_MAX } from "@offerlab/core";
import { COMPANY_VARIABLES, CONTACT_VARIABLES, EMAIL_SUBJECT_MAX, OFFER_VARIABLES } from "./lint.js";

/** What generation needs to know about an offer: its name and description, and whatever else is known. */
export type OfferInput = Pick<OfferRow, "name" | "description"> &
  Partial<Pick<OfferRow, "type" | "ownership" | "client_name" | "problem_solved" | "value_proposition" | "price_range">>;

export const POSITIONING_SYSTEM = `You are a B2B positioning strategist who designs outbound tests.
From an offer description you produce a complete positioning canvas as JSON:
- category: the category the buyer would file the offer under, what it competes with, the differentiator.
- problem: the core problem, the roles who feel it, its business impact, the buyer's own words for it,
  and the buyer's awareness level (unaware | pain_point | solution_aware | product_aware | most_aware).
- symptoms: 3 to 6 observable signals that a company has the problem, each with the kind of signal (hiring,
  funding, tech_stack, growth, ...), what is observed, where it is detected (a data source), the filter to apply,
  the reasoning, and a score: detectable, relevant, timely and specific from 1 to 5 each, and total equal to
  their exact sum.
- outcomes (immediate, short_term, long_term, emotional), alternatives including the status quo with their cons,
  a one-sentence positioning statement, 2 to 4 signal stacks (signals that together tell one buying story, with
  priority high|medium|low and an expected reply rate written as a range such as "8-15%"), and disqualifying signals.
Be concrete and specific to the offer. Never invent customers, numbers or claims the description does not support
beyond reasonable, clearly-estimated ranges.`;

export function positioningPrompt(offer: OfferInput): string {
  const lines = [`Offer: ${offer.name}`, `Description: ${offer.description}`];
  if (offer.type) lines.push(`Type: ${offer.type}`);
  if (offer.problem_solved) lines.push(`Problem solved: ${offer.problem_solved}`);
  if (offer.value_proposition) lines.push(`Value proposition: ${offer.value_proposition}`);
  if (offer.price_range) lines.push(`Price range: ${offer.price_range}`);
  if (offer.ownership === "client" && offer.client_name) lines.push(`Offered on behalf of: ${offer.client_name}`);
  lines.push("", "Write the positioning canvas.");
  return lines.join("\n");
}

export const ICP_SYSTEM = `You derive an ideal customer profile (ICP) from a positioning canvas, as JSON:
- company: verticals (short lowercase slugs such as "saas", "fintech"), size_min and size_max in employees
  (inclusive, size_min <= size_max), the signals to search for (short slugs), and disqualifiers (short slugs).
- buyer: the job titles to contact, their departments, and their seniority (e.g. "VP", "Director", "C-Level").
The ICP must follow from the canvas: who feels the problem, its symptoms, and its disqualifying signals.`;

export function icpPrompt(positioning: PositioningCanvas): string {
  return `Positioning canvas:\n${JSON.stringify(positioning, null, 2)}\n\nDerive the ICP.`;
}

const VARIABLE_HELP = [
  "Personalisation syntax (use only these):",
  `- contact: ${CONTACT_VARIABLES.filter((v) => v !== "email")
    .map((v) => `{{${v}}}`)
    .join(", ")}`,
  `- company: ${COMPANY_VARIABLES.map((v) => `{{company.${v}}}`).join(", ")}`,
  `- offer: ${OFFER_VARIABLES.map((v) => `{{offer.${v}}}`).join(", ")}`,
  "- signals: {{signals.<path>}}, e.g. {{signals.hiring.sales_reps}}, {{signals.funding.stage}}",
  "- sender: {{sender.first_name}}, {{sender.full_name}}",
  "- a fallback after a bar is used when a value is missing: {{first_name|there}}, {{company.name|your team}}.",
  "  Give a fallback to every variable except {{first_name}} and {{company.name}}.",
  "- spintax {option one|option two} varies wording per contact; use it sparingly (greetings, sign-offs).",
  "Braces are only for these: never write a lone {word}.",
].join("\n");

export const TEMPLATES_SYSTEM = `You write B2B cold outreach copy that earns replies: short, specific, plain text,
about the buyer's problem rather than the product, one clear low-friction ask, no hype.
No links, no attachments, no spam-trigger words (free, guarantee, act now, click here, limited time, ...),
no exclamation marks in a row, no all-caps.
${VARIABLE_HELP}`;

/** The keys of `offers.linkedin_templates` that can be generated. */
export const linkedInTemplateKeys = ["connection_request", "follow_up_dm", "inmail"] as const;
/** One of {@link linkedInTemplateKeys}. */
export type LinkedInTemplateKey = (typeof linkedInTemplateKeys)[number];

function context(offer: OfferInput, positioning: PositioningCanvas, icp: Icp): string {
  return [
    `Offer: ${offer.name}`,
    `Description: ${offer.description}`,
    `Positioning canvas:\n${JSON.stringify(positioning, null, 2)}`,
    `ICP:\n${JSON.stringify(icp, null, 2)}`,
  ].join("\n\n");
}

export function emailTemplatesPrompt(offer: OfferInput, positioning: PositioningCanvas, icp: Icp, steps: number): string {
  return `${context(offer, positioning, icp)}

Write an email sequence of exactly ${steps} step(s), numbered 1 to ${steps}.
Step 1 has delay_days 0 and a subject; each later step has delay_days >= 1 (days after the previous step) and
may have an empty subject "" to reply in the same thread. Subjects are at most ${Math.min(EMAIL_SUBJECT_MAX, 60)} characters,
bodies under 120 words. Open with the signal or symptom, not with the offer.`;
}

export function linkedInTemplatesPrompt(
  offer: OfferInput,
  positioning: PositioningCanvas,
  icp: Icp,
  keys: readonly LinkedInTemplateKey[],
): string {
  const wanted = keys
    .map((key) => {
      switch (key) {
        case "connection_request":
          return `- connection_request: the invitation note, at most ${LINKEDIN_NOTE_MAX - 60} characters before variables are filled in (LinkedIn cuts notes at ${LINKEDIN_NOTE_MAX}); no pitch, a reason to connect.`;
        case "follow_up_dm":
          return "- follow_up_dm: the first message once connected, under 80 words, one question.";
        case "inmail":
          return "- inmail: an InMail to someone not connected, under 120 words.";
      }
    })
    .join("\n");
  return `${context(offer, positioning, icp)}\n\nWrite these LinkedIn templates (and only these keys):\n${wanted}`;
}
