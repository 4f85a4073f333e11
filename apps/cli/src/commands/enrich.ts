/** `offerlab enrich emails`: the email waterfall over an offer's contacts. */
import { enrichOfferEmails } from "@offerlab/operations";
import type { EnrichEmailsSummary } from "@offerlab/pipeline";
import type { Command } from "commander";
import type { Io } from "../output.js";
import { adaptersOf, addRunOptions, CAPABLE, chooseVendors, intFlag, recordedList, runStepCommand, type RunFlags } from "./pipeline-run.js";

export function registerEnrichCommands(program: Command, io: Io): void {
  const cmd = program.command("enrich").description("Enrich an offer's contacts");

  addRunOptions(
    cmd
      .command("emails")
      .description(
        "Find and verify work emails, best buyers first. Before paying for anyone it skips people who are suppressed " +
          "(do-not-contact, unsubscribed, bounced: in any offer), touched by us within the cooling-off window (offerlab settings show), who replied, who are not buyers, " +
          "or whose email was checked recently; then verifies the address already known, else asks each finder in order and " +
          "verifies what it finds, stopping at the first valid address. Records email_status and email_verification_source.",
      )
      .option(
        "--finders <list>",
        `comma-separated, in waterfall order: ${CAPABLE.emailFinder.vendors.join(", ")} (default: every configured one)`,
      )
      .option(
        "--verifiers <list>",
        `comma-separated, in order: ${CAPABLE.emailVerifier.vendors.join(", ")} (default: every configured one)`,
      )
      .option("--max <n>", "most contacts to enrich in this run (default 200)")
      .option("--reenrich-after-days <n>", "skip people whose email was checked fewer than n days ago (default 90)")
      .option("--continue-on-risky", "keep trying finders after a catch-all (risky) address"),
  ).action(
    async (o: RunFlags & { finders?: string; verifiers?: string; max?: string; reenrichAfterDays?: string; continueOnRisky?: boolean }) => {
      const max = intFlag("--max", o.max);
      const reenrich = intFlag("--reenrich-after-days", o.reenrichAfterDays, 0);
      await runStepCommand<EnrichEmailsSummary>(io, o, {
        step: "enrich_emails",
        title: "Enriched emails",
        providers: (p, recorded) => ({
          emailFinders: adaptersOf(p, chooseVendors(p, "emailFinder", "--finders", o.finders ?? recordedList(recorded?.emailFinders))),
          emailVerifiers: adaptersOf(
            p,
            chooseVendors(p, "emailVerifier", "--verifiers", o.verifiers ?? recordedList(recorded?.emailVerifiers)),
          ),
        }),
        run: (ctx, input) =>
          enrichOfferEmails(ctx, {
            ...input,
            options: {
              ...(max !== undefined ? { maxContacts: max } : {}),
              ...(reenrich !== undefined ? { reenrichAfterDays: reenrich } : {}),
              ...(o.continueOnRisky ? { continueOnRisky: true } : {}),
            },
          }),
        describe: (s) => {
          const skipped = Object.entries(s.skipped).filter(([, n]) => n > 0);
          return [
            `contacts considered ${s.contacts}: valid ${s.valid}, risky ${s.risky}, invalid ${s.invalid}, unknown ${s.unknown}, not found ${s.notFound}, reused free ${s.reused}${s.duplicates ? `, duplicate addresses ${s.duplicates}` : ""}`,
            `skipped before paying: ${skipped.length ? skipped.map(([k, n]) => `${k.replace(/_/g, " ")} ${n}`).join(", ") : "none"}`,
            `lookups: ${s.lookups.find} finds, ${s.lookups.verify} verifications, ${s.lookups.cached} answers reused`,
          ];
        },
        nothingWorked: (s) => s.errorCount > 0 && s.lookups.find + s.lookups.verify === 0,
      });
    },
  );
}
