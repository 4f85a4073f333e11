import { editContact, unpauseContact } from "@offerlab/operations";
import type { Command } from "commander";
import { CliError, EXIT, json, type Io } from "../output.js";
import { examples, fields, intFlag, withOperation } from "./product-helpers.js";

const CONTACT_REF = "the contact's id, email address or LinkedIn profile URL";

/** `offerlab contacts …`: edit a contact by hand, un-pause its sequence. */
export function registerContactCommands(program: Command, io: Io): void {
  const cmd = program.command("contacts").description("Contacts: edit one by hand, un-pause its sequence");

  cmd
    .command("edit")
    .description("Change a contact's status, notes or connection degree; mark the person do-not-contact or release them")
    .argument("<contact>", CONTACT_REF)
    .option("--offer <offer>", "the offer whose row to edit, when the person has rows in several offers")
    .option("--status <status>", "new | enriched | ready | skip | unsubscribed (an opt-out heard elsewhere)")
    .option("--reason <text>", "why, with --status skip")
    .option("--notes <text>", 'the contact\'s notes (they replace the old ones; "" clears them)')
    .option("--connection-degree <n>", "the LinkedIn connection degree: 1, 2 or 3")
    .option("--do-not-contact", "never contact this person again, by any offer (final)")
    .option("--release", "release a person held by a reply: new campaigns may start with them again")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
A person sets the statuses nothing else owns (docs/contact-status.md): new, enriched, ready and
skip before any outreach; unsubscribed from any status (an opt-out heard outside offerlab). The
send path records queued, contacted, replied and bounced; meeting and converted come from
\`offerlab outcomes record\`. --status unsubscribed and --do-not-contact apply to every row of the
person (same email or LinkedIn URL, any offer): their sequences stop and their sends not yet at
the provider are cancelled, at once; do-not-contact is final. Exit code 2: bad input (nothing is
changed) or an unknown contact.
${examples([
  'offerlab contacts edit jane@acme.com --notes "met at SaaStr" --connection-degree 1',
  'offerlab contacts edit jane@acme.com --status skip --reason "left the company"',
  "offerlab contacts edit https://www.linkedin.com/in/jane-doe --do-not-contact --json",
  "offerlab contacts edit jane@acme.com --release",
])}`,
    )
    .action(
      async (
        ref: string,
        o: {
          offer?: string;
          status?: string;
          reason?: string;
          notes?: string;
          connectionDegree?: string;
          doNotContact?: boolean;
          release?: boolean;
          json?: boolean;
        },
      ) => {
        const degree = intFlag("--connection-degree", o.connectionDegree, 1, 3);
        if (o.reason !== undefined && o.status !== "skip") throw new CliError("--reason goes with --status skip", EXIT.usage);
        const r = await withOperation(io, (ctx) =>
          editContact(ctx, {
            contact: ref,
            ...(o.offer !== undefined ? { offer: o.offer } : {}),
            ...(o.status !== undefined ? { status: o.status } : {}),
            ...(o.reason !== undefined ? { skipReason: o.reason } : {}),
            ...(o.notes !== undefined ? { notes: o.notes } : {}),
            ...(degree !== undefined ? { connectionDegree: degree } : {}),
            ...(o.doNotContact ? { doNotContact: true } : {}),
            ...(o.release ? { release: true } : {}),
          }),
        );
        if (o.json) return io.stdout(json(r));
        const c = r.contact;
        io.stdout(
          fields([
            ["contact", c.full_name ?? c.id],
            ["email", c.email],
            ["linkedin", c.linkedin_url],
            ["status", c.skip_reason ? `${c.status} (${c.skip_reason})` : c.status],
            ["global", c.global_status],
            ["degree", c.connection_degree],
            ["notes", c.notes],
          ]),
        );
        io.stdout(r.changed.length ? `\nChanged: ${r.changed.join(", ")}.` : "\nNothing changed (the values were already these).");
        if (r.sequencesStopped || r.cancelled)
          io.stdout(` ${r.sequencesStopped} sequence(s) stopped, ${r.cancelled} pending send(s) cancelled.`);
        io.stdout("\n");
      },
    );

  cmd
    .command("unpause")
    .description("Un-pause a contact's sequence held for a human (paused by the planner, or after an out-of-office reply)")
    .argument("<contact>", CONTACT_REF)
    .option("--campaign <campaign>", "the campaign (id, slug or name), when the contact is paused in several")
    .option("--offer <offer>", "the offer whose row it is, when the person has rows in several offers")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `
The sequence goes back to queued (not started) or in progress, the sends held for it are due
again, and its next step is planned on the runner's next pass; the send path still checks the
window, the caps and the person. A contact paused for a missing template or a lint failure is
paused again until that is fixed. Exit code 2: the contact is not paused (nothing is changed), is
paused in several campaigns without --campaign, or is unknown.
${examples(["offerlab contacts unpause jane@acme.com", "offerlab contacts unpause jane@acme.com --campaign cold-ai-sales-coach-email-hiring-saas-jane --json"])}`,
    )
    .action(async (ref: string, o: { campaign?: string; offer?: string; json?: boolean }) => {
      const r = await withOperation(io, (ctx) =>
        unpauseContact(ctx, {
          contact: ref,
          ...(o.campaign !== undefined ? { campaign: o.campaign } : {}),
          ...(o.offer !== undefined ? { offer: o.offer } : {}),
        }),
      );
      if (o.json) return io.stdout(json(r));
      io.stdout(
        `Un-paused in ${r.campaign} (was: ${r.was}); now ${r.campaignContact.status}, next step due now` +
          (r.released ? `; ${r.released} held send(s) due again` : "") +
          ".\n",
      );
    });
}
