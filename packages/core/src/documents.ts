/**
 * Zod schemas, and the types inferred from them, for every JSONB document of the schema:
 * `offers.positioning`, `offers.icp`, `offers.email_templates`, `offers.linkedin_templates`,
 * `companies.signals`, `campaigns.target_criteria`, `campaigns.scheduling_config` and
 * `campaigns.account_ids`. Each schema and its type share a name.
 *
 * Errors carry the `path` of the offending field (`symptoms.0.score.total`), and cross-field
 * rules attach their issue to the field that has to change. Unknown keys are dropped, except in
 * `CompanySignals`, which adapters extend with their own signals. Text fields are trimmed and
 * must not be empty unless said otherwise.
 */
import { z } from "zod";
import type { MessageChannel, Seniority } from "./enums.js";
import { AccountType, CompanyStatus, ContactStatus, Priority, connectionDegrees } from "./enums.js";

/** Trimmed, non-empty text. */
const Text = z.string().trim().min(1, "must not be empty");
const TextList = z.array(Text);
/** A calendar date (`2024-01-15`) or an ISO date-time with an offset (`2024-01-15T09:30:00Z`). */
const DateString = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: "must be an ISO date (2024-01-15) or date-time (2024-01-15T09:30:00Z)",
});
/** `high | medium | low`, accepted in any case (`"HIGH"` in the spec's example) and stored lowercase. */
const AnyCasePriority = z.string().trim().toLowerCase().pipe(Priority);

// ---------------------------------------------------------------------------------------------
// offers.positioning

/**
 * Eugene Schwartz's five stages of market awareness, the scale copywriters use to pick an
 * opening. The spec names the second stage (the buyer feels the problem but does not yet look for
 * a solution) `pain_point`, so that is its name here rather than Schwartz's "problem aware".
 */
export const awarenessLevels = ["unaware", "pain_point", "solution_aware", "product_aware", "most_aware"] as const;
/** One of {@link awarenessLevels}. */
export const AwarenessLevel = z.enum(awarenessLevels);
export type AwarenessLevel = z.infer<typeof AwarenessLevel>;

/** The category the offer competes in and how it differs. */
export const PositioningCategory = z.object({
  name: Text,
  competing_with: Text,
  differentiator: Text,
});
export type PositioningCategory = z.infer<typeof PositioningCategory>;

/** The problem the offer solves, who feels it and how they say it. */
export const PositioningProblem = z.object({
  core_problem: Text,
  /** Roles that feel the problem, e.g. `["VP Sales", "Sales Managers"]`; at least one. */
  who_feels_it: TextList.min(1, "name at least one role that feels the problem"),
  business_impact: Text,
  /** The problem in the buyer's own words, for copy. */
  customer_language: Text,
  awareness_level: AwarenessLevel,
});
export type PositioningProblem = z.infer<typeof PositioningProblem>;

const ScorePoint = z.int().min(1).max(5);

/**
 * How good a symptom is as an outbound signal: four criteria scored 1–5 and their `total`, which
 * must equal their sum (4–20).
 */
export const SymptomScore = z
  .object({
    detectable: ScorePoint,
    relevant: ScorePoint,
    timely: ScorePoint,
    specific: ScorePoint,
    total: z.int(),
  })
  .superRefine((score, ctx) => {
    const expected = score.detectable + score.relevant + score.timely + score.specific;
    if (score.total !== expected) {
      ctx.addIssue({
        code: "custom",
        path: ["total"],
        input: score.total,
        message: `score.total must be ${expected} (detectable + relevant + timely + specific), got ${score.total}`,
      });
    }
  });
export type SymptomScore = z.infer<typeof SymptomScore>;

/** An observable symptom of the problem and how to detect it. */
export const PositioningSymptom = z.object({
  /** Kind of signal, e.g. `hiring`, `funding`, `tech_stack`. */
  type: Text,
  /** What is observed, e.g. "Posting SDR/BDR jobs". */
  signal: Text,
  /** Where it is detected: a tool or source, e.g. `TheirStack`. */
  detection: Text,
  /** The filter applied at the source, e.g. `last_30_days`. */
  filter: Text,
  reasoning: Text,
  score: SymptomScore,
});
export type PositioningSymptom = z.infer<typeof PositioningSymptom>;

/** What the buyer gets, from now to the long run, and how it feels. */
export const PositioningOutcomes = z.object({
  immediate: Text,
  short_term: Text,
  long_term: Text,
  emotional: Text,
});
export type PositioningOutcomes = z.infer<typeof PositioningOutcomes>;

/** What the buyer does instead today (including the status quo) and why it falls short. */
export const PositioningAlternative = z.object({
  name: Text,
  cons: Text,
});
export type PositioningAlternative = z.infer<typeof PositioningAlternative>;

/**
 * A reply-rate range as written in a signal stack: `"15-25%"`, `"15–25%"`, `"15% - 25%"`,
 * `"15 to 25%"`, `"2.5-5%"`, or a single figure `"10%"`. The closing `%` is required.
 */
export const REPLY_RATE_RANGE_PATTERN = /^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*(?:(?:-|–|—|to)\s*(\d{1,3}(?:\.\d+)?)\s*)?%\s*$/;

/**
 * Parses a reply-rate range ({@link REPLY_RATE_RANGE_PATTERN}) into percentages:
 * `"15-25%"` → `{ min: 15, max: 25 }`, `"10%"` → `{ min: 10, max: 10 }`.
 *
 * @returns the range, or `null` when the text does not match or `min > max` or `max > 100`.
 */
export function parseReplyRateRange(s: string): { min: number; max: number } | null {
  const match = REPLY_RATE_RANGE_PATTERN.exec(s);
  if (!match) return null;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (!(min <= max) || max > 100) return null;
  return { min, max };
}

/** A combination of signals that tells one buying story, with the reply rate it is expected to get. */
export const SignalStack = z.object({
  name: Text,
  signals: TextList.min(1, "a signal stack needs at least one signal"),
  story: Text,
  priority: AnyCasePriority,
  /** A range such as `"15-25%"`; see {@link parseReplyRateRange}. */
  expected_reply_rate: z
    .string()
    .trim()
    .refine((s) => parseReplyRateRange(s) !== null, {
      message: 'must be a percentage range such as "15-25%" (min ≤ max ≤ 100)',
    }),
});
export type SignalStack = z.infer<typeof SignalStack>;

/** `offers.positioning`: the complete positioning canvas generated for an offer. */
export const PositioningCanvas = z.object({
  category: PositioningCategory,
  problem: PositioningProblem,
  symptoms: z.array(PositioningSymptom),
  outcomes: PositioningOutcomes,
  alternatives: z.array(PositioningAlternative),
  positioning_statement: Text,
  signal_stacks: z.array(SignalStack),
  /** Signals that rule a company out, e.g. "Too small (< 10 employees)". */
  disqualifying_signals: TextList,
});
export type PositioningCanvas = z.infer<typeof PositioningCanvas>;

// ---------------------------------------------------------------------------------------------
// offers.icp

/** The companies an offer targets. Sizes are employee counts, inclusive. */
export const IcpCompany = z
  .object({
    verticals: TextList,
    size_min: z.int().min(1),
    size_max: z.int().min(1),
    signals: TextList,
    disqualifiers: TextList,
  })
  .superRefine((company, ctx) => {
    if (company.size_min > company.size_max) {
      ctx.addIssue({
        code: "custom",
        path: ["size_max"],
        input: company.size_max,
        message: `size_max (${company.size_max}) must be at least size_min (${company.size_min})`,
      });
    }
  });
export type IcpCompany = z.infer<typeof IcpCompany>;

/**
 * The people to talk to. `seniority` holds free text as generated ("VP", "C-Level");
 * {@link normalizeSeniority} maps each onto `contacts.seniority`.
 */
export const IcpBuyer = z.object({
  titles: TextList,
  departments: TextList,
  seniority: TextList,
});
export type IcpBuyer = z.infer<typeof IcpBuyer>;

/** `offers.icp`: the ideal customer profile derived from the positioning. */
export const Icp = z.object({
  company: IcpCompany,
  buyer: IcpBuyer,
});
export type Icp = z.infer<typeof Icp>;

// Checked in order: the first match wins. Order matters: titles that contain a senior-sounding
// word without being senior come first ("Executive Assistant to the CEO", "Product Owner",
// "Non-manager"), then "Vice President" before "President", "Managing Director" before
// "Director", "Engineering Manager" before "Engineer".
const SENIORITY_RULES: ReadonlyArray<readonly [RegExp, Seniority]> = [
  [/\b(executive|personal) assistants?\b|\bassistants? to\b|^assistants?$|\bproduct owners?\b|\bnon[ -]?managers?\b/, "individual"],
  [/\b(vice[ -]?presidents?|vps?|svps?|evps?|avps?|v p)\b/, "vp"],
  [
    /\b(c[ -]?levels?|c[ -]?suite|cxos?|chief|ceos?|ctos?|cfos?|coos?|cmos?|cros?|cios?|cisos?|cpos?|csos?|ccos?|cdos?|chros?|founders?|co[ -]?founders?|owners?|presidents?|managing directors?|executive directors?|(managing|general|founding|senior|equity) partners?|^partners?$|^executives?$|^execs?$|geschaftsfuhrer(in)?|gerente general|directeur general|pdg)\b/,
    "c_level",
  ],
  [/\bheads?\b/, "vp"],
  [/\b(directors?|directeur|directrice|direktor(in)?|directora?|dir)\b/, "director"],
  [/\b(managers?|mgrs?|supervisors?|team leads?|team leaders?|leiter(in)?|gerente|responsable)\b/, "manager"],
  [
    /\b(individual contributors?|individual|ics?|senior|sr|junior|jr|entry|entry[ -]level|interns?|trainees?|associates?|specialists?|analysts?|engineers?|developers?|designers?|consultants?|representatives?|reps?|sdrs?|bdrs?|aes?|account executives?|sales executives?|coordinators?|staff|principal|scientists?|architects?|administrators?|accountants?|recruiters?|officers?|advisors?|agents?|technicians?|writers?|marketers?)\b/,
    "individual",
  ],
];

/**
 * Maps free-text seniority or a job title onto `contacts.seniority`
 * (`c_level | vp | director | manager | individual`).
 *
 * Examples: "C-Level", "CEO", "Chief Revenue Officer", "Founder", "Owner", "Managing Director"
 * (the UK/DE company head) → `c_level`; "VP", "SVP Sales", "Vice President" → `vp`; "Head of
 * Sales" → `vp` (heads usually report to the C-level, as VPs do; vendors such as Apollo rank "head"
 * between VP and director); "Director", "Senior Director" → `director`; "Manager", "Team Lead" →
 * `manager`; "IC", "Individual Contributor", "Senior Engineer", "Account Executive", "Intern" →
 * `individual`. Vendor labels (`c_suite`, `entry`, `senior`) and the enum values themselves map
 * too. It is a heuristic on words, not a model of every org chart.
 *
 * @returns the seniority, or `null` when no recognisable cue is present.
 */
export function normalizeSeniority(s: string): Seniority | null {
  const text = s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/\bv\.\s?p\.?/g, "vp")
    .replace(/[^\p{L}\p{N}-]+/gu, " ")
    .trim();
  if (text === "") return null;
  for (const [pattern, seniority] of SENIORITY_RULES) {
    if (pattern.test(text)) return seniority;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// offers.email_templates

/**
 * One email of a sequence. `delay_days` counts days after the previous step (the first step has
 * 0: it goes when the contact enters the sequence). `subject` is required on the first step; a
 * later step may leave it empty (`""`) to reply in the first email's thread.
 */
export const EmailStep = z.object({
  step: z.int().min(1),
  subject: z.string().trim(),
  body: Text,
  delay_days: z.int().min(0),
});
export type EmailStep = z.infer<typeof EmailStep>;

/**
 * `offers.email_templates`: the email sequence of an offer. Steps start at 1 and strictly
 * increase, and the first step has `delay_days: 0` and a subject.
 */
export const EmailTemplates = z.object({
  sequence: z
    .array(EmailStep)
    .min(1, "a sequence needs at least one email")
    .superRefine((sequence, ctx) => {
      const [first] = sequence;
      if (first === undefined) return;
      if (first.step !== 1) {
        ctx.addIssue({ code: "custom", path: [0, "step"], input: first.step, message: `the first step must be 1, got ${first.step}` });
      }
      if (first.delay_days !== 0) {
        ctx.addIssue({
          code: "custom",
          path: [0, "delay_days"],
          input: first.delay_days,
          message: `the first step must have delay_days 0 (it is sent on enrolment), got ${first.delay_days}`,
        });
      }
      if (first.subject === "") {
        ctx.addIssue({ code: "custom", path: [0, "subject"], input: first.subject, message: "the first email needs a subject" });
      }
      sequence.forEach((email, index) => {
        const previous = sequence[index - 1];
        if (previous !== undefined && email.step <= previous.step) {
          ctx.addIssue({
            code: "custom",
            path: [index, "step"],
            input: email.step,
            message: `steps must strictly increase: step ${email.step} follows step ${previous.step}`,
          });
        }
      });
    }),
});
export type EmailTemplates = z.infer<typeof EmailTemplates>;

// ---------------------------------------------------------------------------------------------
// offers.linkedin_templates

/** LinkedIn's limit on an invitation note, in characters. */
export const LINKEDIN_NOTE_MAX = 300;

/**
 * `offers.linkedin_templates`: the LinkedIn copy of an offer; at least one template is present.
 * `connection_request` is at most {@link LINKEDIN_NOTE_MAX} characters, counted in UTF-16 code
 * units (`string.length`), which is never fewer than LinkedIn counts, so a template that passes
 * here is not cut there. The limit applies again to the rendered note (placeholders expanded).
 */
export const LinkedInTemplates = z
  .object({
    /** The invitation note. Omit the key to invite without a note. */
    connection_request: Text.max(
      LINKEDIN_NOTE_MAX,
      `must be at most ${LINKEDIN_NOTE_MAX} characters (LinkedIn's invitation note limit)`,
    ).optional(),
    /** The first direct message once connected. */
    follow_up_dm: Text.optional(),
    /** The InMail body, for people we are not connected to. */
    inmail: Text.optional(),
  })
  .superRefine((templates, ctx) => {
    if (templates.connection_request === undefined && templates.follow_up_dm === undefined && templates.inmail === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        input: templates,
        message: "at least one of connection_request, follow_up_dm or inmail is required",
      });
    }
  });
export type LinkedInTemplates = z.infer<typeof LinkedInTemplates>;

// ---------------------------------------------------------------------------------------------
// companies.signals

const Count = z.int().min(0);

/**
 * Open roles by kind (`sales_reps`, `bdrs`, and any other key an adapter adds, each a whole
 * number ≥ 0) and when they were last checked.
 */
export const HiringSignals = z
  .looseObject({
    sales_reps: Count.optional(),
    bdrs: Count.optional(),
    last_checked: DateString.optional(),
  })
  .superRefine((hiring, ctx) => {
    for (const [key, value] of Object.entries(hiring)) {
      if (key === "last_checked" || key === "sales_reps" || key === "bdrs") continue;
      if (!Count.safeParse(value).success) {
        ctx.addIssue({ code: "custom", path: [key], input: value, message: "hiring counts must be whole numbers ≥ 0" });
      }
    }
  });
export type HiringSignals = z.infer<typeof HiringSignals>;

/** The latest funding round. `amount` is in the currency's units (USD unless a key says otherwise). */
export const FundingSignal = z.looseObject({
  /** e.g. `seed`, `series_a`, `series_b`. */
  stage: Text.optional(),
  amount: z.number().min(0).optional(),
  date: DateString.optional(),
});
export type FundingSignal = z.infer<typeof FundingSignal>;

/**
 * `companies.signals`: what we found about a company. Every key is optional (the column defaults
 * to `{}`), and keys beyond these are kept as they are, because adapters add their own signals.
 */
export const CompanySignals = z.looseObject({
  hiring: HiringSignals.optional(),
  /** Tools the company uses, e.g. `["salesforce", "hubspot"]`. */
  tech_stack: TextList.optional(),
  funding: FundingSignal.optional(),
  /** e.g. `["new_office", "leadership_hire"]`. */
  growth_signals: TextList.optional(),
});
export type CompanySignals = z.infer<typeof CompanySignals>;

// ---------------------------------------------------------------------------------------------
// campaigns.target_criteria

/** A signal a campaign targets. `priority` is accepted in any case and stored lowercase. */
export const TargetSignal = z.object({
  /** e.g. `HIRING` (free text, kept as written). */
  type: Text,
  description: Text,
  priority: AnyCasePriority,
});
export type TargetSignal = z.infer<typeof TargetSignal>;

/**
 * `campaigns.target_criteria`: which companies and contacts a campaign enrols. Every key is
 * optional; an absent key does not filter. `exclude_1st_degree: true` may not be combined with
 * `1` in `connection_degrees`.
 */
export const TargetCriteria = z
  .object({
    company_status: z.array(CompanyStatus).optional(),
    contact_status: z.array(ContactStatus).optional(),
    /** Minimum `companies.fit_score`, 1–10. */
    min_fit_score: z.int().min(1).max(10).optional(),
    connection_degrees: z.array(z.literal(connectionDegrees, { error: "must be 1, 2 or 3" })).optional(),
    exclude_1st_degree: z.boolean().optional(),
    /** The primary signal targeted, e.g. `hiring`. */
    signal: Text.optional(),
    /** The ICP segment targeted, e.g. `pmre-companies`. */
    icp_target: Text.optional(),
    signals: z.array(TargetSignal).optional(),
  })
  .superRefine((criteria, ctx) => {
    const index = criteria.connection_degrees?.indexOf(1) ?? -1;
    if (criteria.exclude_1st_degree === true && index !== -1) {
      ctx.addIssue({
        code: "custom",
        path: ["connection_degrees", index],
        input: 1,
        message: "1st-degree connections are excluded by exclude_1st_degree but listed in connection_degrees",
      });
    }
  });
export type TargetCriteria = z.infer<typeof TargetCriteria>;

// ---------------------------------------------------------------------------------------------
// campaigns.scheduling_config

/**
 * What a scheduled step does: `connection_request` (LinkedIn invitation, with the note if any),
 * `linkedin_dm` (message to a 1st-degree connection), `inmail` (LinkedIn InMail) and `email`.
 */
export const schedulingStepTypes = ["connection_request", "linkedin_dm", "inmail", "email"] as const;
/** One of {@link schedulingStepTypes}. */
export const SchedulingStepType = z.enum(schedulingStepTypes);
export type SchedulingStepType = z.infer<typeof SchedulingStepType>;

/** The `messages.channel` each step type sends on. */
export const schedulingStepChannel: Readonly<Record<SchedulingStepType, MessageChannel>> = {
  connection_request: "linkedin_connect",
  linkedin_dm: "linkedin_dm",
  inmail: "linkedin_inmail",
  email: "email",
};

/**
 * When a step may go: `connected` (the invitation was accepted), `not_connected` (it was not, or
 * none was sent) and `no_reply` (the contact has not replied in this campaign).
 */
export const stepConditions = ["connected", "not_connected", "no_reply"] as const;
/** One of {@link stepConditions}. */
export const StepCondition = z.enum(stepConditions);
export type StepCondition = z.infer<typeof StepCondition>;

/** What to do when a step's condition is still false after `wait_days_max`: skip the step, or stop the sequence. */
export const conditionUnmetActions = ["skip", "stop"] as const;
/** One of {@link conditionUnmetActions}. */
export const ConditionUnmetAction = z.enum(conditionUnmetActions);
export type ConditionUnmetAction = z.infer<typeof ConditionUnmetAction>;

/** Default of `on_condition_unmet`: skip the step and go on with the next one. */
export const DEFAULT_ON_CONDITION_UNMET: ConditionUnmetAction = "skip";
/** Default of `wait_days_max`: LinkedIn invitations are commonly accepted within two weeks or not at all. */
export const DEFAULT_CONDITION_WAIT_DAYS_MAX = 14;

/**
 * One step of a campaign's schedule.
 *
 * - `delay_days`: days after the previous step went (or after enrolment, for step 1).
 * - `condition`: checked when the step falls due; while it is false the step waits, for at most
 *   `wait_days_max` days (default {@link DEFAULT_CONDITION_WAIT_DAYS_MAX}), re-checking. A condition
 *   that can no longer come true (a reply recorded, for `no_reply`) is unmet at once.
 * - `on_condition_unmet`: then `skip` the step and go on with the next one (default
 *   {@link DEFAULT_ON_CONDITION_UNMET}), or `stop` the sequence for that contact.
 *
 * `on_condition_unmet` and `wait_days_max` only apply to a step with a `condition`.
 */
export const SchedulingStep = z
  .object({
    step: z.int().min(1),
    type: SchedulingStepType,
    delay_days: z.int().min(0),
    condition: StepCondition.optional(),
    on_condition_unmet: ConditionUnmetAction.optional(),
    wait_days_max: z.int().min(0).optional(),
  })
  .superRefine((step, ctx) => {
    if (step.condition !== undefined) return;
    for (const key of ["on_condition_unmet", "wait_days_max"] as const) {
      if (step[key] !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], input: step[key], message: `${key} only applies to a step with a condition` });
      }
    }
  });
export type SchedulingStep = z.infer<typeof SchedulingStep>;

/**
 * `campaigns.scheduling_config`: the steps of a campaign, numbered 1..n in order, plus
 * `stop_on_reply` (default `true`: a reply ends the sequence for that contact), `max_touches`
 * (at least 1; absent means no cap beyond the number of steps) and `use_burner_accounts`
 * (default `false`: the campaign's accounts whose `rotation_set` is `burner` send nothing for it;
 * `true`: they send like accounts without a set).
 */
export const SchedulingConfig = z.object({
  steps: z
    .array(SchedulingStep)
    .min(1, "a schedule needs at least one step")
    .superRefine((steps, ctx) => {
      steps.forEach((step, index) => {
        if (step.step !== index + 1) {
          ctx.addIssue({
            code: "custom",
            path: [index, "step"],
            input: step.step,
            message: `steps must be numbered 1..n in order: expected ${index + 1}, got ${step.step}`,
          });
        }
      });
    }),
  stop_on_reply: z.boolean().default(true),
  max_touches: z.int().min(1, "max_touches must be at least 1").optional(),
  use_burner_accounts: z.boolean().optional(),
});
export type SchedulingConfig = z.infer<typeof SchedulingConfig>;

// ---------------------------------------------------------------------------------------------
// campaigns.account_ids

/** A sending account a campaign uses: its `accounts.id`, name and type. */
export const AccountRef = z.object({
  id: z.uuid("must be a UUID"),
  name: Text,
  type: AccountType,
});
export type AccountRef = z.infer<typeof AccountRef>;

/** `campaigns.account_ids`: the accounts a campaign sends from; each id at most once. */
export const AccountIds = z.array(AccountRef).superRefine((accounts, ctx) => {
  const seen = new Map<string, number>();
  accounts.forEach((account, index) => {
    const id = account.id.toLowerCase();
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
    } else {
      ctx.addIssue({
        code: "custom",
        path: [index, "id"],
        input: account.id,
        message: `duplicate account id ${account.id} (already at index ${first})`,
      });
    }
  });
});
export type AccountIds = z.infer<typeof AccountIds>;
