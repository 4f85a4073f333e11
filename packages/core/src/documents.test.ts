import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  AccountIds,
  AccountRef,
  CompanySignals,
  EmailTemplates,
  Icp,
  LINKEDIN_NOTE_MAX,
  LinkedInTemplates,
  PositioningCanvas,
  SchedulingConfig,
  SymptomScore,
  TargetCriteria,
  normalizeSeniority,
  parseReplyRateRange,
  schedulingStepChannel,
  schedulingStepTypes,
} from "./documents.js";
import { seniorities } from "./enums.js";

/** The issues of a failed parse as `path → message`, the shape every assertion below uses. */
function issues(schema: z.ZodType, input: unknown): Array<{ path: string; message: string }> {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

// The examples of spec/schema.md, verbatim.
const specPositioning = {
  category: {
    name: "AI Sales Coach",
    competing_with: "Sales Training Platforms",
    differentiator: "Real-time AI practice vs recorded videos",
  },
  problem: {
    core_problem: "New sales reps take 6+ months to hit quota",
    who_feels_it: ["VP Sales", "Sales Managers"],
    business_impact: "Longer ramp time, missed revenue",
    customer_language: "Our reps aren't ready for live calls",
    awareness_level: "pain_point",
  },
  symptoms: [
    {
      type: "hiring",
      signal: "Posting SDR/BDR jobs",
      detection: "TheirStack",
      filter: "last_30_days",
      reasoning: "Growing teams need training",
      score: { detectable: 5, relevant: 5, timely: 5, specific: 5, total: 20 },
    },
  ],
  outcomes: {
    immediate: "Reps practice without manager time",
    short_term: "Cut ramp time 50%",
    long_term: "$150K+ revenue per rep faster",
    emotional: "Confidence before first call",
  },
  alternatives: [{ name: "Status quo (shadow senior reps)", cons: "Doesn't scale, inconsistent" }],
  positioning_statement: "We help B2B SaaS sales teams cut ramp time in half...",
  signal_stacks: [
    {
      name: "Rapid Scaling Stack",
      signals: ["Series A/B funding", "Hiring 3+ sales roles"],
      story: "Growing fast, training is falling on managers",
      priority: "high",
      expected_reply_rate: "15-25%",
    },
  ],
  disqualifying_signals: ["Too small (< 10 employees)", "Enterprise (1000+ employees)"],
};

const specIcp = {
  company: {
    verticals: ["saas", "fintech"],
    size_min: 20,
    size_max: 200,
    signals: ["hiring_sales", "using_crm"],
    disqualifiers: ["enterprise_only", "no_sales_team"],
  },
  buyer: {
    titles: ["VP Sales", "Head of Sales", "Sales Director"],
    departments: ["Sales", "Revenue"],
    seniority: ["Director", "VP", "C-Level"],
  },
};

const specEmailTemplates = {
  sequence: [
    { step: 1, subject: "...", body: "...", delay_days: 0 },
    { step: 2, subject: "...", body: "...", delay_days: 3 },
    { step: 3, subject: "...", body: "...", delay_days: 5 },
  ],
};

const specLinkedInTemplates = { connection_request: "...", follow_up_dm: "...", inmail: "..." };

const specSignals = {
  hiring: { sales_reps: 5, bdrs: 2, last_checked: "2024-01-15" },
  tech_stack: ["salesforce", "hubspot", "gong"],
  funding: { stage: "series_b", amount: 25000000, date: "2023-06-01" },
  growth_signals: ["new_office", "leadership_hire"],
};

const specTargetCriteria = {
  company_status: ["qualified"],
  contact_status: ["ready", "enriched"],
  min_fit_score: 7,
  connection_degrees: [2, 3],
  exclude_1st_degree: true,
  signal: "hiring",
  icp_target: "pmre-companies",
  signals: [{ type: "HIRING", description: "Hiring 2+ sales roles", priority: "HIGH" }],
};

const specScheduling = {
  steps: [
    { step: 1, type: "connection_request", delay_days: 0 },
    { step: 2, type: "linkedin_dm", delay_days: 3, condition: "connected" },
    { step: 3, type: "email", delay_days: 5, condition: "no_reply" },
  ],
  stop_on_reply: true,
  max_touches: 3,
};

const accountA = { id: "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", name: "Jane (LinkedIn)", type: "linkedin" };
const accountB = { id: "9a8b7c6d-5e4f-4321-8fed-cba987654321", name: "jane@acme.com", type: "email" };

describe("PositioningCanvas", () => {
  it("accepts the spec's example", () => {
    expect(PositioningCanvas.parse(specPositioning)).toEqual(specPositioning);
  });

  it("rejects a score total that is not the sum, naming the path and the expected total", () => {
    const doc = clone(specPositioning);
    doc.symptoms[0]!.score.total = 18;
    expect(issues(PositioningCanvas, doc)).toEqual([
      {
        path: "symptoms.0.score.total",
        message: "score.total must be 20 (detectable + relevant + timely + specific), got 18",
      },
    ]);
  });

  it("rejects scores outside 1–5 and non-integers", () => {
    expect(issues(SymptomScore, { detectable: 6, relevant: 5, timely: 2.5, specific: 0, total: 13.5 }).map((i) => i.path)).toEqual([
      "detectable",
      "timely",
      "specific",
      "total",
    ]);
  });

  it("rejects an unknown awareness level", () => {
    const doc = clone(specPositioning);
    doc.problem.awareness_level = "very_aware";
    const [issue] = issues(PositioningCanvas, doc);
    expect(issue?.path).toBe("problem.awareness_level");
    expect(issue?.message).toContain('"pain_point"');
  });

  it.each(["15-25%", "15–25%", "15% - 25%", "15 to 25%", "2.5-5%", "10%", " 0-100% "])("accepts the reply rate %j", (rate) => {
    const doc = clone(specPositioning);
    doc.signal_stacks[0]!.expected_reply_rate = rate;
    expect(PositioningCanvas.safeParse(doc).success).toBe(true);
  });

  it.each(["15-25", "25-15%", "high", "15-250%", "", "-5%"])("rejects the reply rate %j", (rate) => {
    const doc = clone(specPositioning);
    doc.signal_stacks[0]!.expected_reply_rate = rate;
    expect(issues(PositioningCanvas, doc)).toEqual([
      {
        path: "signal_stacks.0.expected_reply_rate",
        message: 'must be a percentage range such as "15-25%" (min ≤ max ≤ 100)',
      },
    ]);
  });

  it("accepts the signal-stack priority in any case and stores it lowercase", () => {
    const doc = clone(specPositioning);
    doc.signal_stacks[0]!.priority = "High";
    expect(PositioningCanvas.parse(doc).signal_stacks[0]?.priority).toBe("high");
    doc.signal_stacks[0]!.priority = "urgent";
    expect(issues(PositioningCanvas, doc)[0]?.path).toBe("signal_stacks.0.priority");
  });

  it("names missing and empty fields", () => {
    const doc: Record<string, unknown> = clone(specPositioning);
    delete doc.positioning_statement;
    (doc.category as Record<string, unknown>).name = "   ";
    (doc.problem as Record<string, unknown>).who_feels_it = [];
    expect(issues(PositioningCanvas, doc)).toEqual([
      { path: "category.name", message: "must not be empty" },
      { path: "problem.who_feels_it", message: "name at least one role that feels the problem" },
      { path: "positioning_statement", message: "Invalid input: expected string, received undefined" },
    ]);
  });
});

describe("parseReplyRateRange", () => {
  it.each([
    ["15-25%", { min: 15, max: 25 }],
    ["15% – 25%", { min: 15, max: 25 }],
    ["2.5 to 5%", { min: 2.5, max: 5 }],
    ["10%", { min: 10, max: 10 }],
  ])("%j → %j", (text, range) => {
    expect(parseReplyRateRange(text)).toEqual(range);
  });

  it.each(["15-25", "25-15%", "15-101%", "abc", "%"])("%j → null", (text) => {
    expect(parseReplyRateRange(text)).toBeNull();
  });

  it("round-trips any range it formats", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        expect(parseReplyRateRange(`${min}-${max}%`)).toEqual({ min, max });
      }),
    );
  });
});

describe("Icp", () => {
  it("accepts the spec's example", () => {
    expect(Icp.parse(specIcp)).toEqual(specIcp);
  });

  it("rejects size_min above size_max on size_max", () => {
    const doc = clone(specIcp);
    doc.company.size_min = 500;
    expect(issues(Icp, doc)).toEqual([{ path: "company.size_max", message: "size_max (200) must be at least size_min (500)" }]);
  });

  it("rejects non-integer and missing sizes", () => {
    const doc: { company: Record<string, unknown> } = clone(specIcp);
    doc.company.size_min = 20.5;
    delete doc.company.size_max;
    expect(issues(Icp, doc).map((i) => i.path)).toEqual(["company.size_min", "company.size_max"]);
  });

  it("maps every seniority of the spec's example", () => {
    expect(specIcp.buyer.seniority.map(normalizeSeniority)).toEqual(["director", "vp", "c_level"]);
  });
});

describe("normalizeSeniority", () => {
  it.each([
    ["C-Level", "c_level"],
    ["c level", "c_level"],
    ["C-Suite", "c_level"],
    ["c_suite", "c_level"],
    ["CEO", "c_level"],
    ["CEO & Co-Founder", "c_level"],
    ["Chief Revenue Officer", "c_level"],
    ["Founder", "c_level"],
    ["Owner", "c_level"],
    ["President", "c_level"],
    ["Managing Director", "c_level"],
    ["Managing Partner", "c_level"],
    ["Partner", "c_level"],
    ["Executives", "c_level"],
    ["Geschäftsführer", "c_level"],
    ["VP", "vp"],
    ["V.P. Sales", "vp"],
    ["Vice President", "vp"],
    ["Vice-President of Marketing", "vp"],
    ["Senior Vice President, Sales", "vp"],
    ["SVP Revenue", "vp"],
    ["VPs", "vp"],
    ["Head of", "vp"],
    ["Head of Sales", "vp"],
    ["Director", "director"],
    ["Directors", "director"],
    ["Senior Director, Demand Gen", "director"],
    ["Director of Engineering", "director"],
    ["Manager", "manager"],
    ["Engineering Manager", "manager"],
    ["Sr. Manager", "manager"],
    ["Team Lead", "manager"],
    ["IC", "individual"],
    ["Individual Contributor", "individual"],
    ["individual", "individual"],
    ["Senior Engineer", "individual"],
    ["Account Executive", "individual"],
    ["SDR", "individual"],
    ["Entry", "individual"],
    ["Intern", "individual"],
    ["Executive Assistant to the CEO", "individual"],
    ["Product Owner", "individual"],
    ["Non-Manager", "individual"],
    ["  DIRECTOR  ", "director"],
  ] as const)("%j → %s", (text, seniority) => {
    expect(normalizeSeniority(text)).toBe(seniority);
  });

  it.each([[""], ["   "], ["Sales"], ["Board"], ["???"]])("%j → null", (text) => {
    expect(normalizeSeniority(text)).toBeNull();
  });

  it("maps every enum value onto itself", () => {
    for (const seniority of seniorities) expect(normalizeSeniority(seniority)).toBe(seniority);
  });
});

describe("EmailTemplates", () => {
  it("accepts the spec's example", () => {
    expect(EmailTemplates.parse(specEmailTemplates)).toEqual(specEmailTemplates);
  });

  it("lets a later step leave the subject empty to reply in thread", () => {
    const doc = clone(specEmailTemplates);
    doc.sequence[1]!.subject = "";
    expect(EmailTemplates.safeParse(doc).success).toBe(true);
  });

  it("allows gaps but not repeats or decreases", () => {
    const doc = clone(specEmailTemplates);
    doc.sequence[2]!.step = 5;
    expect(EmailTemplates.safeParse(doc).success).toBe(true);
    doc.sequence[2]!.step = 2;
    expect(issues(EmailTemplates, doc)).toEqual([
      { path: "sequence.2.step", message: "steps must strictly increase: step 2 follows step 2" },
    ]);
  });

  it("requires the first step to be 1 with delay 0 and a subject", () => {
    const doc = clone(specEmailTemplates);
    doc.sequence[0] = { step: 2, subject: " ", body: "Hi", delay_days: 1 };
    expect(issues(EmailTemplates, doc)).toEqual([
      { path: "sequence.0.step", message: "the first step must be 1, got 2" },
      { path: "sequence.0.delay_days", message: "the first step must have delay_days 0 (it is sent on enrolment), got 1" },
      { path: "sequence.0.subject", message: "the first email needs a subject" },
      { path: "sequence.1.step", message: "steps must strictly increase: step 2 follows step 2" },
    ]);
  });

  it("rejects an empty sequence, step 0, negative delays and empty bodies", () => {
    expect(issues(EmailTemplates, { sequence: [] })).toEqual([{ path: "sequence", message: "a sequence needs at least one email" }]);
    const doc = clone(specEmailTemplates);
    doc.sequence[1] = { step: 0, subject: "x", body: "", delay_days: -1 };
    expect(issues(EmailTemplates, doc).map((i) => i.path)).toEqual([
      "sequence.1.step",
      "sequence.1.body",
      "sequence.1.delay_days",
      "sequence.1.step", // step 0 also follows step 1: the ordering check still runs
    ]);
  });
});

describe("LinkedInTemplates", () => {
  it("accepts the spec's example and any single template", () => {
    expect(LinkedInTemplates.parse(specLinkedInTemplates)).toEqual(specLinkedInTemplates);
    expect(LinkedInTemplates.safeParse({ follow_up_dm: "Thanks for connecting" }).success).toBe(true);
  });

  it("caps the invitation note at 300 characters", () => {
    expect(LINKEDIN_NOTE_MAX).toBe(300);
    expect(LinkedInTemplates.safeParse({ connection_request: "a".repeat(300) }).success).toBe(true);
    expect(issues(LinkedInTemplates, { connection_request: "a".repeat(301) })).toEqual([
      { path: "connection_request", message: "must be at most 300 characters (LinkedIn's invitation note limit)" },
    ]);
  });

  it("requires at least one template", () => {
    expect(issues(LinkedInTemplates, {})).toEqual([
      { path: "", message: "at least one of connection_request, follow_up_dm or inmail is required" },
    ]);
  });

  it("rejects empty templates", () => {
    expect(issues(LinkedInTemplates, { inmail: "  " })).toEqual([{ path: "inmail", message: "must not be empty" }]);
  });
});

describe("CompanySignals", () => {
  it("accepts the spec's example and the column default", () => {
    expect(CompanySignals.parse(specSignals)).toEqual(specSignals);
    expect(CompanySignals.parse({})).toEqual({});
  });

  it("keeps keys that adapters add, at the top level and in hiring", () => {
    const doc = { ...specSignals, hiring: { ...specSignals.hiring, account_executives: 3 }, theirstack: { jobs: 12 } };
    expect(CompanySignals.parse(doc)).toEqual(doc);
  });

  it("accepts ISO date-times", () => {
    expect(CompanySignals.safeParse({ hiring: { last_checked: "2024-01-15T09:30:00Z" } }).success).toBe(true);
  });

  it("names bad fields", () => {
    expect(
      issues(CompanySignals, {
        hiring: { sales_reps: -1, bdrs: 2, extra: "many", last_checked: "15/01/2024" },
        tech_stack: "salesforce",
        funding: { amount: -5, date: "2023-13-01" },
      }),
    ).toEqual([
      { path: "hiring.sales_reps", message: "Too small: expected number to be >=0" },
      { path: "hiring.last_checked", message: "must be an ISO date (2024-01-15) or date-time (2024-01-15T09:30:00Z)" },
      { path: "tech_stack", message: "Invalid input: expected array, received string" },
      { path: "funding.amount", message: "Too small: expected number to be >=0" },
      { path: "funding.date", message: "must be an ISO date (2024-01-15) or date-time (2024-01-15T09:30:00Z)" },
    ]);
    expect(issues(CompanySignals, { hiring: { extra: "many" } })).toEqual([
      { path: "hiring.extra", message: "hiring counts must be whole numbers ≥ 0" },
    ]);
  });
});

describe("TargetCriteria", () => {
  it("accepts the spec's example, storing priority lowercase", () => {
    const parsed = TargetCriteria.parse(specTargetCriteria);
    expect(parsed.signals?.[0]?.priority).toBe("high");
    expect(parsed.signals?.[0]?.type).toBe("HIRING");
    expect(parsed.connection_degrees).toEqual([2, 3]);
  });

  it("accepts an empty object: every key is optional", () => {
    expect(TargetCriteria.parse({})).toEqual({});
  });

  it("names bad statuses, scores and degrees", () => {
    expect(
      issues(TargetCriteria, {
        company_status: ["qualified", "hot"],
        contact_status: ["ready", "sent"],
        min_fit_score: 11,
        connection_degrees: [2, 4],
        signals: [{ type: "HIRING", description: "x", priority: "urgent" }],
      }).map((i) => i.path),
    ).toEqual(["company_status.1", "contact_status.1", "min_fit_score", "connection_degrees.1", "signals.0.priority"]);
    expect(issues(TargetCriteria, { connection_degrees: [0] })).toEqual([{ path: "connection_degrees.0", message: "must be 1, 2 or 3" }]);
  });

  it("rejects listing 1st-degree connections while excluding them", () => {
    expect(issues(TargetCriteria, { exclude_1st_degree: true, connection_degrees: [2, 1] })).toEqual([
      {
        path: "connection_degrees.1",
        message: "1st-degree connections are excluded by exclude_1st_degree but listed in connection_degrees",
      },
    ]);
  });
});

describe("SchedulingConfig", () => {
  it("accepts the spec's example", () => {
    expect(SchedulingConfig.parse(specScheduling)).toEqual(specScheduling);
  });

  it("defaults stop_on_reply to true and leaves max_touches absent", () => {
    const parsed = SchedulingConfig.parse({ steps: [{ step: 1, type: "email", delay_days: 0 }] });
    expect(parsed).toEqual({ steps: [{ step: 1, type: "email", delay_days: 0 }], stop_on_reply: true });
  });

  it("accepts what to do when a condition never comes true", () => {
    const doc = clone(specScheduling);
    Object.assign(doc.steps[1]!, { on_condition_unmet: "stop", wait_days_max: 21 });
    expect(SchedulingConfig.parse(doc).steps[1]).toMatchObject({ on_condition_unmet: "stop", wait_days_max: 21 });
  });

  it("rejects condition settings on a step without a condition", () => {
    const doc = clone(specScheduling);
    Object.assign(doc.steps[0]!, { on_condition_unmet: "skip", wait_days_max: 7 });
    expect(issues(SchedulingConfig, doc)).toEqual([
      { path: "steps.0.on_condition_unmet", message: "on_condition_unmet only applies to a step with a condition" },
      { path: "steps.0.wait_days_max", message: "wait_days_max only applies to a step with a condition" },
    ]);
  });

  it("requires steps numbered 1..n in order", () => {
    const doc = clone(specScheduling);
    doc.steps[1]!.step = 3;
    doc.steps[2]!.step = 2;
    expect(issues(SchedulingConfig, doc)).toEqual([
      { path: "steps.1.step", message: "steps must be numbered 1..n in order: expected 2, got 3" },
      { path: "steps.2.step", message: "steps must be numbered 1..n in order: expected 3, got 2" },
    ]);
    expect(issues(SchedulingConfig, { steps: [] })).toEqual([{ path: "steps", message: "a schedule needs at least one step" }]);
  });

  it("names bad types, conditions, delays and max_touches", () => {
    expect(
      issues(SchedulingConfig, {
        steps: [{ step: 1, type: "sms", delay_days: -1, condition: "opened" }],
        stop_on_reply: "yes",
        max_touches: 0,
      }),
    ).toEqual([
      { path: "steps.0.type", message: 'Invalid option: expected one of "connection_request"|"linkedin_dm"|"inmail"|"email"' },
      { path: "steps.0.delay_days", message: "Too small: expected number to be >=0" },
      { path: "steps.0.condition", message: 'Invalid option: expected one of "connected"|"not_connected"|"no_reply"' },
      { path: "stop_on_reply", message: "Invalid input: expected boolean, received string" },
      { path: "max_touches", message: "max_touches must be at least 1" },
    ]);
  });

  it("maps every step type onto a message channel", () => {
    expect(schedulingStepTypes.map((type) => schedulingStepChannel[type])).toEqual([
      "linkedin_connect",
      "linkedin_dm",
      "linkedin_inmail",
      "email",
    ]);
  });
});

describe("AccountRef and AccountIds", () => {
  it("accepts a list of account references", () => {
    expect(AccountIds.parse([accountA, accountB])).toEqual([accountA, accountB]);
    expect(AccountIds.parse([])).toEqual([]);
  });

  it("names bad ids, names and types", () => {
    expect(issues(AccountRef, { id: "acc-1", name: "", type: "sms" })).toEqual([
      { path: "id", message: "must be a UUID" },
      { path: "name", message: "must not be empty" },
      { path: "type", message: 'Invalid option: expected one of "linkedin"|"email"' },
    ]);
  });

  it("rejects the same id twice, whatever its case", () => {
    expect(issues(AccountIds, [accountA, accountB, { ...accountA, id: accountA.id.toUpperCase(), name: "again" }])).toEqual([
      { path: "2.id", message: `duplicate account id ${accountA.id.toUpperCase()} (already at index 0)` },
    ]);
  });
});
