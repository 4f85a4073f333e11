import { normalizeEmail, normalizeLinkedInUrl } from "@offerlab/core";
import { judgingClock, outcomes, personHistory, suppressions, type PersonEvent } from "@offerlab/db";
import { checkEligibility, coolingOffEndsAt, describeReason, isReasonCode } from "@offerlab/scheduler";
import type { Command } from "commander";
import { CliError, EXIT, json, table, type Io } from "../output.js";
import { outcomesTable } from "./outcomes.js";
import { examples, when, withDb } from "./product-helpers.js";

function why(reason: string | null, coolingOffDays?: number): string | null {
  if (!reason) return null;
  if (reason === "campaign_cancelled") return "The campaign was cancelled.";
  if (reason === "completed") return "Every step of the sequence was done.";
  return isReasonCode(reason) ? describeReason(reason, coolingOffDays === undefined ? {} : { coolingOffDays }) : reason;
}

/** One timeline entry as a sentence. */
function sentence(e: PersonEvent, coolingOffDays: number): string {
  const where = [e.campaign, e.step !== null ? `step ${e.step}` : null, e.channel].filter(Boolean).join(" · ");
  const prefix = where ? `${where}: ` : "";
  const reason = why(e.reason, coolingOffDays);
  switch (e.kind) {
    case "contact_added":
      return `added as a ${e.detail} (status ${e.status})`;
    case "enrolled":
      return `${prefix}enrolled`;
    case "sequence_ended":
      return `${prefix}sequence ended (${e.status})${reason ? ` — ${reason}` : ""}`;
    case "queued":
      return `${prefix}planned ${e.detail ?? ""}`.trimEnd();
    case "waiting":
      return `${prefix}waiting (${e.status}) — ${reason}${e.detail ? ` (${e.detail})` : ""}`;
    case "attempt":
      // The two states of a send whose outcome is not known: still being asked, or given up on.
      if (e.status === "unknown") {
        return `${prefix}send attempt with an unknown outcome — offerlab is asking the provider whether it went out, and never resends it unless the provider shows it did not${e.detail ? ` (${e.detail})` : ""}`;
      }
      if (e.status === "undetermined") return `${prefix}send attempt undetermined — ${reason}${e.detail ? ` (${e.detail})` : ""}`;
      return `${prefix}send attempt ${e.status}${e.detail ? ` — ${e.detail}` : ""}`;
    case "sent":
      return `${prefix}sent${e.detail ? ` — ${e.detail}` : ""}`;
    case "not_sent":
      // The event closing an undetermined send is a `failed` one, but nobody knows it was not sent.
      if (e.reason === "outcome_unknown") return `${prefix}ended without a known outcome — ${reason}`;
      return `${prefix}not sent (${e.status})${reason ? ` — ${reason}` : ""}${e.detail ? ` (${e.detail})` : ""}`;
    case "event":
      return `${prefix}${e.status}`;
    case "outreach":
      return `${prefix}touched (${e.status})${e.detail ? ` — ${e.detail}` : ""}`;
    case "replied":
      return `${prefix}replied${e.status ? ` (${e.status})` : ""}${e.detail ? `: "${e.detail}"` : ""}`;
  }
}

/** `offerlab why <person>`: every campaign, send, skip and reason for one person. */
export function registerWhyCommand(program: Command, io: Io): void {
  program
    .command("why")
    .description("Everything offerlab did or did not do for one person, across every offer, and why")
    .argument("<person>", "an email address or a LinkedIn profile URL")
    .option("--json", "print the whole history as JSON")
    .addHelpText(
      "after",
      `
The person is every contact row with the same email or LinkedIn URL, in any offer. Shows whether a
new campaign may start with them now (the cooling-off window, do-not-contact …), their campaigns, and a
time-ordered story: planned, waiting (and why), attempts, sent, skipped (and why), replies. A send
whose outcome is unknown shows how often the provider was asked and when it is asked next; one
the provider could not tell ("undetermined") is never sent again. On the sandbox's data (--sandbox)
"now" is the data's clock (where its simulated weeks stopped), as on the dashboard's person page.
${examples(["offerlab why jane@acme.com", "offerlab why https://www.linkedin.com/in/jane-doe --json"])}`,
    )
    .action(async (person: string, o: { json?: boolean }) => {
      const email = normalizeEmail(person);
      const linkedinUrl = email ? null : normalizeLinkedInUrl(person);
      if (!email && !linkedinUrl) {
        throw new CliError(
          `"${person}" is neither an email address nor a LinkedIn profile URL (https://www.linkedin.com/in/<id>)`,
          EXIT.usage,
        );
      }
      const found = await withDb(io, async (db) => {
        const first = await personHistory(db, { email, linkedinUrl });
        if (!first) return null;
        // One key finds the rows; their other key (email ↔ LinkedIn URL) finds the rest of the person.
        const otherEmail = email ?? first.contacts.map((c) => c.email).find(Boolean) ?? null;
        const otherLinkedIn = linkedinUrl ?? first.contacts.map((c) => c.linkedin_url).find(Boolean) ?? null;
        const whole =
          otherEmail === email && otherLinkedIn === linkedinUrl
            ? first
            : await personHistory(db, { email: otherEmail, linkedinUrl: otherLinkedIn });
        if (!whole) return null;
        const contactIds = whole.contacts.map((c) => c.id);
        // The suppression-list entry that matches any row of the person, if one does.
        const found = await suppressions.forContacts(db, contactIds);
        const suppression = whole.contacts.map((c) => found.get(c.id)).find(Boolean) ?? null;
        // Sandbox data is judged on its own clock (db's dataClockAt), as the dashboard's person page does.
        const judged = await judgingClock(db, { now: new Date(), dataClock: "sandbox" });
        return { history: { ...whole, suppression }, outcomes: await outcomes.list(db, { contactIds }), judged };
      });
      const history = found?.history;
      if (!found || !history)
        throw new CliError(`no contact matches ${email ?? linkedinUrl} (nothing was ever done for this person)`, EXIT.failure);
      const now = found.judged.at;

      const eligibility = checkEligibility(
        {
          rows: history.contacts.map((c) => ({
            global_status: c.global_status,
            status: c.status,
            eligible_for_outreach: c.eligible_for_outreach,
            connection_degree: null,
          })),
          lastTouchAt: history.lastTouchAt,
          suppressed: history.suppression !== null,
        },
        { isFirstTouch: true, action: "email", now, coolingOffDays: history.coolingOffDays },
      );
      const newCampaign = {
        allowed: eligibility.ok,
        reason: eligibility.ok ? null : eligibility.reason,
        why: eligibility.ok ? null : describeReason(eligibility.reason, { coolingOffDays: history.coolingOffDays }),
        cooling_off_until:
          history.lastTouchAt && !eligibility.ok && eligibility.reason === "cooling_off"
            ? coolingOffEndsAt(history.lastTouchAt, history.coolingOffDays)
            : null,
      };
      const sends = history.sends.map((s) => ({ ...s, why: why(s.defer_reason, history.coolingOffDays) }));
      if (o.json) {
        io.stdout(json({ ...history, sends, newCampaign, outcomes: found.outcomes, judgedAt: now, dataClock: found.judged.data }));
        return;
      }
      const key = [history.email, history.linkedinUrl].filter(Boolean).join(" / ");
      io.stdout(
        `${key}: ${history.contacts.length} contact row(s) across ${new Set(history.contacts.map((c) => c.offer)).size} offer(s)\n`,
      );
      const at = found.judged.data ? ` (judged at ${when(now)} UTC, the sandbox data's clock)` : "";
      io.stdout(
        newCampaign.allowed
          ? `A new campaign may start with this person now${at}.\n`
          : `A new campaign may not start with this person now${at}: ${newCampaign.why}${newCampaign.cooling_off_until ? ` (possible from ${when(newCampaign.cooling_off_until)} UTC)` : ""}\n`,
      );
      if (history.suppression) {
        const s = history.suppression;
        io.stdout(`Suppressed by the entry ${s.kind} ${s.value} (${s.reason}; ${s.source}, added ${when(s.created_at)} UTC).\n`);
      }
      if (history.lastTouchAt) io.stdout(`Our last touch: ${when(history.lastTouchAt)} UTC.\n`);
      if (history.contacts.length) {
        io.stdout(
          "\n" +
            table(
              history.contacts.map((c) => ({ ...c })),
              [
                { key: "offer", max: 24 },
                { key: "full_name", title: "name", max: 24 },
                { key: "company", max: 20 },
                { key: "status" },
                { key: "global_status", title: "global" },
                { key: "eligible_for_outreach", title: "eligible" },
              ],
              io,
            ),
        );
      }
      io.stdout("\nCampaigns\n");
      if (history.campaigns.length === 0) io.stdout("Not in any campaign.\n");
      else
        io.stdout(
          table(
            history.campaigns.map((c) => ({
              ...c,
              stopped: why(c.stop_reason, history.coolingOffDays) ?? "",
              progress: `${c.current_step}/${c.max_step ?? "?"}`,
            })),
            [
              { key: "campaign", max: 28 },
              { key: "campaign_status", title: "campaign is" },
              { key: "status", title: "person is" },
              { key: "progress", title: "step" },
              { key: "touches" },
              { key: "next_step_at", title: "next step" },
              { key: "stopped", title: "stopped because", max: 60 },
            ],
            io,
          ),
        );
      io.stdout("\nOutcomes\n");
      io.stdout(found.outcomes.length === 0 ? "None recorded.\n" : outcomesTable(found.outcomes, io));
      io.stdout("\nWhat happened\n");
      if (history.timeline.length === 0) io.stdout("Nothing yet.\n");
      for (const e of history.timeline) io.stdout(`${when(e.at)}  ${sentence(e, history.coolingOffDays)}\n`);
    });
}
