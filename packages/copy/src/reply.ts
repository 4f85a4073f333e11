/**
 * Reply classification: positive / negative / neutral / question / ooo, an unsubscribe flag for
 * opt-out language, and the return date of an out-of-office reply. Rules first (fast, offline,
 * deterministic); the LLM only for what the rules cannot decide, and only when one is configured.
 */
import type { ReplySentiment } from "@offerlab/core";
import { replySentiments } from "@offerlab/core";
import { z } from "zod";
import { GenerationError } from "./errors.js";
import type { LlmOptions } from "./llm.js";
import { generateStructured, isLlmConfigured } from "./llm.js";
import type { DateOrder } from "./reply-dates.js";
import { extractReturnDate } from "./reply-dates.js";

/** What is known around a reply. */
export interface ReplyContext {
  /** When the reply arrived: resolves "back on Monday" and dates without a year. Default: now. */
  receivedAt?: Date;
  /** The reply's subject ("Automatic reply: …" marks an out-of-office). */
  subject?: string | null;
  /** Day/month order of ambiguous numeric dates such as `03/04`. Default `mdy`. */
  dateOrder?: DateOrder;
  /**
   * The model for replies the rules cannot decide (same options as generation), or `false` for
   * rules only. Default `{}`: `OFFERLAB_LLM` when it is set, else rules only.
   */
  llm?: LlmOptions | false;
}

/** How a reply was classified. */
export interface ReplyClassification {
  sentiment: ReplySentiment;
  /** The sender asked not to be contacted again ("remove me", "unsubscribe", "not interested, stop"). */
  unsubscribe: boolean;
  /** For `ooo`: the first day back (`YYYY-MM-DD`) when the reply names one, else null. */
  oooReturnDate: string | null;
  /**
   * `rules` when a rule decided; `llm` when the model did; `fallback` when neither could (rules'
   * best guess: neutral unless the rules leaned one way).
   */
  source: "rules" | "llm" | "fallback";
  /** Names of the rules that matched, for "why was this classified so?". */
  matched: string[];
  /** Why the model was not used after all, when it failed (the classification is then the fallback). */
  llmError?: string;
}

/** The rules' verdict: a classification, and whether the rules were sure of it. */
export interface RuleClassification extends ReplyClassification {
  decided: boolean;
}

type Rule = readonly [name: string, pattern: RegExp];

const OOO_RULES: readonly Rule[] = [
  ["ooo:out_of_office", /\b(out of (the )?office|ooo)\b/],
  [
    "ooo:auto_reply",
    /\b(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica)\b/,
  ],
  ["ooo:away", /\b(i am|i'm|i will be|i'll be) (currently )?(away|out|travell?ing|offline)\b(?! of (ideas|budget))/],
  ["ooo:away_from", /\baway from (the |my )?(office|desk|e-?mail|keyboard)\b/],
  [
    "ooo:leave",
    /\bon (annual |parental |maternity |paternity |sick |medical |family |bereavement )?(leave|vacation|holidays?|pto|sabbatical)\b/,
  ],
  ["ooo:limited_access", /\b(limited|no|intermittent) access to (my )?e-?mails?\b/],
  ["ooo:returning", /\b(i will|i'll) (be )?(back|return(ing)?) (in the office |to the office |to work )?(on|from|after|by)\b/],
  ["ooo:back_in_office", /\bback in (the )?office\b/],
  ["ooo:foreign", /\b(abwesend|abwesenheit|absent du bureau|absente? jusqu|fuera de la oficina|de vacaciones|en vacances|en cong[ée])\b/],
];

const UNSUBSCRIBE_RULES: readonly Rule[] = [
  ["unsubscribe:word", /\b(unsubscribe|unsub|d[ée]sabonner|abmelden|darse de baja)\b/],
  [
    "unsubscribe:remove_me",
    /\b(remove (me|us|my (e-?mail|address|details|name|info(rmation)?))|take (me|us) off|delete (me|my (data|details|information|e-?mail|contact)))\b/,
  ],
  ["unsubscribe:off_list", /\boff (of )?(your|the|this) (mailing |e-?mail |contact |distribution )?list\b/],
  ["unsubscribe:opt_out", /\bopt(ed|ing)?[- ]?out\b/],
  [
    "unsubscribe:stop_contacting",
    /\b(stop|quit|cease) (e-?mailing|contacting|messaging|writing( to)?|sending|spamming|reaching out|bothering)\b/,
  ],
  ["unsubscribe:do_not_contact", /\b(do not|don't|dont|never) (contact|e-?mail|message|write to|reach out to|call) (me|us|again)\b/],
  ["unsubscribe:no_more", /\bno (more|further) (e-?mails|messages|contact|outreach)\b/],
  ["unsubscribe:leave_alone", /\bleave (me|us) alone\b/],
  ["unsubscribe:not_interested_stop", /\bnot interested\W+(please |pls |just )?stop\b/],
  ["unsubscribe:stop_alone", /^\W*stop\W*$/],
  ["unsubscribe:spam", /\b(this is spam|reported (you |this )?(as|for) spam|reporting (you|this) (as|for) spam)\b/],
  ["unsubscribe:gdpr", /\b(gdpr|under article 17|right to erasure)\b/],
];

const NEGATIVE_RULES: readonly Rule[] = [
  [
    "negative:not_interested",
    /\b(not|no longer|isn't|aren't|am not|are not) (really |at all |currently )?interested\b|\bno interest\b|\buninterested\b/,
  ],
  ["negative:no_thanks", /\bno,? thank(s| you)\b|\bno thx\b|\bnope\b|\bthanks,? but no\b|\bno,? we'?re (fine|good|ok)\b/],
  [
    "negative:not_fit",
    /\bnot (a |the |really a )?(good |great )?fit\b|\bnot for us\b|\bnot relevant\b|\bdoesn't apply\b|\bnot applicable\b/,
  ],
  ["negative:all_set", /\bwe('re| are) (all )?(set|covered|good)\b|\bwe('re| are) (very )?happy with\b/],
  [
    "negative:already_have",
    /\b(already|currently) (use|using|have|work(ing)? with|partner(ed)? with|signed with)\b|\bwe (use|have) (an? )?(in-house|internal) (team|solution|tool)\b/,
  ],
  ["negative:no_need", /\b(no|don't have a|don't|do not) (need|budget)\b|\bnot looking\b|\bnot a priority\b|\bno bandwidth\b/],
  ["negative:pass", /\b(we'?ll|i'?ll|we will|i will|going to) pass\b|\bpass on this\b/],
  ["negative:not_now", /\bnot (at this|the right) time\b|\bnot right now\b|\bnot now\b|\bmaybe next year\b/],
  ["negative:please_dont", /\bplease don'?t\b/],
];

const POSITIVE_RULES: readonly Rule[] = [
  [
    "positive:interested",
    /\b(i'?m|i am|we'?re|we are|we'd be|i'd be|would be|definitely|very|quite|could be|might be) (very |quite |definitely |potentially |possibly |really )?interested\b|^\s*interested\b/,
  ],
  [
    "positive:sounds_good",
    /\bsounds (good|great|interesting|promising|intriguing|relevant)\b|\b(this|that) (sounds|looks) (interesting|relevant|great)\b/,
  ],
  ["positive:lets_talk", /\blet'?s (talk|chat|connect|meet|do it|set (it|something|up)|schedule|find a time|jump on|hop on|book)\b/],
  [
    "positive:happy_to",
    /\b(happy|glad|keen|open) to (chat|talk|connect|meet|learn|hear|hop|jump|take a look|explore)\b|\bopen to (a |an )?(chat|call|conversation|meeting|demo)\b/,
  ],
  [
    "positive:would_like",
    /\b(i'?d|i would|we'?d|we would) (love|like|be happy|be glad) to (chat|talk|learn|hear|see|connect|meet|know|explore|try)\b/,
  ],
  [
    "positive:more_info",
    /\btell me more\b|\b(send|share) (me |us |over )?(some )?(more )?(info|information|details|a deck|the deck|a one[- ]pager|case studies)\b|\blearn more\b/,
  ],
  [
    "positive:meeting",
    /\b(book|set up|schedule|arrange|grab|find) (a |some )?(call|time|meeting|demo|slot|chat)\b|\bcalendar (link|invite)\b|\bcalendly\b/,
  ],
  [
    "positive:availability",
    /\b(what|which) (times?|days?|slots?) (work|suit)|\bhow about (mon|tues|wednes|thurs|fri)day\b|\b(i'?m|i am) (free|available) (on|at|this|next|tomorrow)\b|\bworks for me\b/,
  ],
  ["positive:yes", /^\W*(yes|yep|yeah|sure|absolutely|definitely|sounds good|ok,? let'?s|count me in|i'?m in)\b/],
  ["positive:worth", /\bworth a (chat|call|conversation|look)\b/],
];

const NEUTRAL_RULES: readonly Rule[] = [
  ["neutral:wrong_person", /\b(wrong person|not the right person|not my (area|department|responsibility))\b/],
  [
    "neutral:left_company",
    /\b(no longer (with|at|work(s|ing)? (at|for))|(has |have )?left (the company|[a-z]+ (inc|ltd|gmbh))|doesn't work here|does not work here)\b/,
  ],
  [
    "neutral:referral",
    /\b(reach out to|contact|talk to|speak (to|with)|try|loop(ing)? in|cc'?ing|copying) .{0,60}\b(instead|who (handles|owns|runs|leads|is responsible))\b|\bforward(ed|ing)? (this|your (note|message|email))\b/,
  ],
  ["neutral:ack", /^\W*(thanks|thank you|thx|got it|received|noted|ok|okay)\W*$/],
];

const QUESTION_START =
  /^\W*(how|what|who|which|when|where|why|can you|could you|do you|does it|does this|is it|is this|are you|would it|will it)\b/;

/**
 * The reply's own words: quoted history ("> …", "On … wrote:", "-----Original Message-----",
 * Outlook headers), signatures ("-- ", "Sent from my iPhone") cut off, whitespace folded.
 */
export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const next = lines[i + 1] ?? "";
    if (/^\s*-{2,}\s*(original message|forwarded message)/i.test(line)) break;
    if (/^\s*_{5,}\s*$/.test(line)) break;
    if (/^\s*(on\b.*\bwrote:|le\b.*\ba écrit\s?:|am\b.*\bschrieb.*:|el\b.*\bescribió:)\s*$/i.test(line)) break;
    if (/^\s*on\b.*$/i.test(line) && /^.*\bwrote:\s*$/i.test(next) && !/\bwrote:/.test(line)) break;
    if (/^\s*from:\s/i.test(line) && lines.slice(i + 1, i + 5).some((l) => /^\s*(sent|date|to|subject):\s/i.test(l))) break;
    if (/^--\s*$/.test(line) || /^\s*sent from my\b/i.test(line)) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join("\n").trim();
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, " ")
    .trim();
}

function matching(rules: readonly Rule[], text: string): string[] {
  return rules.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}

/**
 * Classifies a reply with rules only: synchronous, offline, deterministic. `decided` is false
 * when the rules found nothing conclusive (nothing matched, or signals pointing both ways); the
 * sentiment is then a best guess (`neutral` unless one side leaned).
 *
 * Precedence: opt-out language → `negative` with `unsubscribe`; an out-of-office → `ooo` with its
 * return date; then negative and positive phrases (both → undecided); then a question; then
 * neutral acknowledgements and referrals.
 */
export function classifyReplyByRules(text: string, context: Omit<ReplyContext, "llm"> = {}): RuleClassification {
  const own = stripQuotedReply(text);
  const body = normalise(own);
  const subject = normalise(context.subject ?? "");
  const receivedAt = context.receivedAt ?? new Date();
  const verdict = (
    sentiment: ReplySentiment,
    decided: boolean,
    matched: string[],
    extra: Partial<ReplyClassification> = {},
  ): RuleClassification => ({
    sentiment,
    unsubscribe: false,
    oooReturnDate: null,
    source: decided ? "rules" : "fallback",
    matched,
    decided,
    ...extra,
  });

  const unsubscribe = matching(UNSUBSCRIBE_RULES, body);
  if (unsubscribe.length > 0) return verdict("negative", true, unsubscribe, { unsubscribe: true });

  const ooo = [...matching(OOO_RULES, body), ...matching(OOO_RULES, subject).map((n) => `${n}(subject)`)];
  const negative = matching(NEGATIVE_RULES, body);
  // Remove what the negative rules matched, so "not interested" does not also read as "interested".
  const rest = NEGATIVE_RULES.reduce((t, [, pattern]) => t.replace(new RegExp(pattern.source, "g"), " "), body);
  const positive = matching(POSITIVE_RULES, rest);

  if (ooo.length > 0) {
    const oooReturnDate = extractReturnDate(own, receivedAt, context.dateOrder ?? "mdy");
    // A person who writes "on holiday, but yes, let's talk" wrote a real reply; let the model judge.
    const decided = positive.length === 0 && negative.length === 0;
    return verdict("ooo", decided, [...ooo, ...positive, ...negative], { oooReturnDate });
  }
  if (negative.length > 0 && positive.length > 0) return verdict("neutral", false, [...negative, ...positive]);
  if (negative.length > 0) return verdict("negative", true, negative);
  if (positive.length > 0) return verdict("positive", true, positive);
  if (body.includes("?") || QUESTION_START.test(body)) return verdict("question", true, ["question"]);
  const neutral = matching(NEUTRAL_RULES, body);
  if (neutral.length > 0) return verdict("neutral", true, neutral);
  if (body === "") return verdict("neutral", true, ["empty"]);
  return verdict("neutral", false, []);
}

const LlmVerdict = z.object({
  sentiment: z.enum(replySentiments),
  unsubscribe: z.boolean(),
  ooo_return_date: z.iso.date().nullable(),
});

const REPLY_SYSTEM = `You classify replies to B2B cold outreach. Answer with JSON:
- sentiment: positive (interest, wants to talk or learn more), negative (declines), neutral (no stance: a referral,
  an acknowledgement, left the company), question (asks something before deciding), ooo (out-of-office auto-reply).
- unsubscribe: true only when the sender asks not to be contacted again.
- ooo_return_date: for ooo, the first day back as YYYY-MM-DD when the reply names it, else null.`;

/**
 * Classifies a reply: {@link classifyReplyByRules} first; when the rules cannot decide and a
 * model is configured (`context.llm`, or `OFFERLAB_LLM`), the model decides. The unsubscribe flag
 * and a return date found by the rules are kept whatever the model says. If the model call fails,
 * the rules' best guess is returned with `llmError`; a configuration error (such as a missing API
 * key) is thrown.
 *
 * @throws GenerationError (`not_configured`) when `OFFERLAB_LLM` is set but unusable.
 */
export async function classifyReply(text: string, context: ReplyContext = {}): Promise<ReplyClassification> {
  const rules = classifyReplyByRules(text, context);
  const { decided: _decided, ...guess } = rules;
  if (rules.decided || context.llm === false || !isLlmConfigured(context.llm ?? {})) return guess;

  const receivedAt = context.receivedAt ?? new Date();
  try {
    const answer = await generateStructured(
      {
        schema: LlmVerdict,
        subject: "reply classification",
        name: "reply_classification",
        system: REPLY_SYSTEM,
        prompt: [
          `Received: ${receivedAt.toISOString().slice(0, 10)}`,
          context.subject ? `Subject: ${context.subject}` : "",
          `Reply:\n${stripQuotedReply(text) || text}`,
        ]
          .filter(Boolean)
          .join("\n"),
      },
      context.llm ?? {},
    );
    const sentiment: ReplySentiment = rules.unsubscribe ? "negative" : answer.sentiment;
    return {
      sentiment,
      unsubscribe: rules.unsubscribe || answer.unsubscribe,
      oooReturnDate: sentiment === "ooo" ? (rules.oooReturnDate ?? answer.ooo_return_date) : null,
      source: "llm",
      matched: rules.matched,
    };
  } catch (error) {
    if (GenerationError.isInstance(error) && error.kind === "not_configured") throw error;
    return { ...guess, llmError: error instanceof Error ? error.message : String(error) };
  }
}
