/** Realistic generation outputs for tests: valid against core's schemas unless named otherwise. */
import type { EmailTemplates, Icp, LinkedInTemplates, PositioningCanvas } from "@offerlab/core";
import type { OfferInput } from "../prompts.js";

/** The README's three-line offer. */
export const offer: OfferInput = {
  name: "AI Sales Coach",
  description:
    "An AI role-play partner for B2B SaaS sales reps.\nReps practise discovery and objection handling against realistic buyer personas.\nManagers see who is ready for live calls.",
};

export const canvas: PositioningCanvas = {
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
      score: { detectable: 5, relevant: 5, timely: 5, specific: 4, total: 19 },
    },
  ],
  outcomes: {
    immediate: "Reps practice without manager time",
    short_term: "Cut ramp time 50%",
    long_term: "$150K+ revenue per rep faster",
    emotional: "Confidence before first call",
  },
  alternatives: [{ name: "Status quo (shadow senior reps)", cons: "Doesn't scale, inconsistent" }],
  positioning_statement: "We help B2B SaaS sales teams cut ramp time in half with AI role-play.",
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

/** The canvas with a wrong score total (19 expected). */
export const canvasWithBadTotal = {
  ...canvas,
  symptoms: [{ ...canvas.symptoms[0], score: { detectable: 5, relevant: 5, timely: 5, specific: 4, total: 20 } }],
};

export const icp: Icp = {
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

export const emailTemplates: EmailTemplates = {
  sequence: [
    {
      step: 1,
      subject: "{{company.name}}'s new reps",
      body: "{Hi|Hello} {{first_name|there}},\n\nSaw {{company.name}} is hiring {{signals.hiring.sales_reps|several}} sales reps. How long until a new rep is ready for live calls?\n\nWe give reps an AI buyer to practise on, so managers stop role-playing every afternoon.\n\nWorth a look?\n{{sender.first_name|Sam}}",
      delay_days: 0,
    },
    {
      step: 2,
      subject: "",
      body: "{{first_name|Hi}}, one number: teams using AI role-play cut ramp time by about half. Should I send a two-minute demo?",
      delay_days: 3,
    },
    {
      step: 3,
      subject: "",
      body: "Last note from me, {{first_name|there}}. If ramp time is not a priority this quarter, I will leave it here.",
      delay_days: 5,
    },
  ],
};

export const linkedInTemplates: LinkedInTemplates = {
  connection_request:
    "{Hi|Hello} {{first_name|there}}, I work with sales leaders at SaaS teams that are hiring reps fast. Would be good to connect.",
  follow_up_dm: "Thanks for connecting, {{first_name|there}}. How are you ramping the new reps at {{company.name|your team}} today?",
};
