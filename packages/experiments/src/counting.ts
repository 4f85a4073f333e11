/**
 * From contacts to counts: the counting rule of the report, the same for an experiment's arms and
 * an offer's breakdowns. A contact's first touch starts its maturity window; it is **matured** once
 * the window has passed, and only then counts, as a success when the metric happened within the
 * window (a reply, a positive reply, a meeting booked), as a failure otherwise. A contact still
 * inside its window is **maturing**: never a failure; its early outcomes are counted apart
 * (`maturingSuccesses`). An outcome after the window is a failure of a matured contact: it came too
 * late to be the arm's effect, and counting it would favour arms started earlier.
 */

/** The outcome an experiment counts. */
export type ContactMetric = "positive_reply" | "reply" | "meeting";

/** One contact's facts for the report: its first touch and when the metrics happened. */
export interface ContactFacts {
  contactId: string;
  campaignContactId: string;
  /** The group it counts in: an arm's id, or a breakdown's key. */
  group: string;
  firstTouchAt: Date | null;
  repliedAt: Date | null;
  positiveAt: Date | null;
  meetingAt: Date | null;
  /** The recorded probability of its arm (1 for a breakdown). */
  probability: number;
  /** How it was assigned (`balanced`, `thompson`, `observed`); null for a breakdown. */
  policy: string | null;
}

/** Counts of one arm or group, as `@offerlab/experiments`' ArmSummary wants them, plus the raw metrics. */
export interface GroupCounts {
  group: string;
  enrolled: number;
  contacted: number;
  matured: number;
  maturing: number;
  /** Of the matured, those with the primary metric within the window. */
  successes: number;
  /** Of the maturing, those who already had it (shown, never counted). */
  maturingSuccesses: number;
  /** Of the matured, within the window: replies, positive replies, meetings booked. */
  replies: number;
  positiveReplies: number;
  meetings: number;
}

const DAY_MS = 86_400_000;

function metricAt(f: ContactFacts, metric: ContactMetric): Date | null {
  return metric === "reply" ? f.repliedAt : metric === "positive_reply" ? f.positiveAt : f.meetingAt;
}

/**
 * Counts contacts per group, matured ones only for the rate: the counting rule of the report, the
 * same for arms and breakdowns. An outcome after the window is a failure of a matured contact (it
 * came too late to be the experiment's effect, and counting it would favour older arms).
 */
export function countContacts(
  facts: readonly ContactFacts[],
  groups: readonly string[],
  options: { metric: ContactMetric; maturityDays: number; now: Date },
): GroupCounts[] {
  const windowMs = options.maturityDays * DAY_MS;
  const out = new Map<string, GroupCounts>(
    groups.map((g) => [
      g,
      {
        group: g,
        enrolled: 0,
        contacted: 0,
        matured: 0,
        maturing: 0,
        successes: 0,
        maturingSuccesses: 0,
        replies: 0,
        positiveReplies: 0,
        meetings: 0,
      },
    ]),
  );
  for (const f of facts) {
    let c = out.get(f.group);
    if (!c) {
      c = {
        group: f.group,
        enrolled: 0,
        contacted: 0,
        matured: 0,
        maturing: 0,
        successes: 0,
        maturingSuccesses: 0,
        replies: 0,
        positiveReplies: 0,
        meetings: 0,
      };
      out.set(f.group, c);
    }
    c.enrolled++;
    if (!f.firstTouchAt) continue;
    c.contacted++;
    const end = f.firstTouchAt.getTime() + windowMs;
    const within = (at: Date | null) => at !== null && at.getTime() <= end && at.getTime() <= options.now.getTime();
    const hit = within(metricAt(f, options.metric));
    if (end <= options.now.getTime()) {
      c.matured++;
      if (hit) c.successes++;
      if (within(f.repliedAt)) c.replies++;
      if (within(f.positiveAt)) c.positiveReplies++;
      if (within(f.meetingAt)) c.meetings++;
    } else {
      c.maturing++;
      if (hit) c.maturingSuccesses++;
    }
  }
  return [...out.values()];
}
