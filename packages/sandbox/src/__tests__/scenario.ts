/**
 * A whole simulated campaign driven through the real adapters, the way offerlab's pipeline and
 * scheduler drive them: the LLM writes positioning and ICP, three vendors discover companies,
 * Sumble and Firecrawl enrich them, Parallel finds people, LeadMagic finds and verifies emails,
 * Unipile resolves profiles, sends invitations and emails, registers webhooks, and follows up
 * accepted invitations with a DM, while the simulated clock runs for weeks. Shared by the tests.
 */
import { Icp, PositioningCanvas } from "@offerlab/core";
import type { CompanyRecord, ProviderEvent } from "@offerlab/provider-kit";
import { parseUnipileWebhook, toProviderEvent, verifyUnipileWebhookSecret } from "@offerlab/provider-unipile";
import { generateText, Output } from "ai";
import type { z } from "zod";
import { createSandbox } from "../sandbox.js";
import type { Sandbox, SandboxOptions } from "../sandbox.js";

export const WEBHOOK_SECRET = "sandbox-webhook-secret-0123456789abcdef";
export const OFFER = {
  name: "Quota Coach",
  description: "AI call coaching for sales teams at fintech and SaaS companies. Ramps new sales reps in half the time.",
};
const DAY = 86_400_000;

export interface ScenarioResult {
  sandbox: Sandbox;
  /** Every webhook the handler accepted, normalised as the webhook app would. */
  events: ProviderEvent[];
  /** Deliveries the handler refused (wrong secret, malformed body). Should stay empty. */
  refused: string[];
  companies: CompanyRecord[];
  invited: number;
  emailed: number;
  dms: number;
}

export async function generate<T>(sandbox: Sandbox, name: string, prompt: string, schema: z.ZodType<T>): Promise<T> {
  const result = await generateText({
    model: sandbox.llm.model,
    system: `Answer with the ${name} as JSON.`,
    prompt,
    output: Output.object({ schema, name }),
  });
  return result.output as T;
}

export async function runScenario(seed: string | number, extra: Partial<SandboxOptions> = {}): Promise<ScenarioResult> {
  const sandbox = createSandbox({ seed, ...extra });
  const p = sandbox.providers();
  const events: ProviderEvent[] = [];
  const refused: string[] = [];

  // Copy: the canvas and ICP the way @offerlab/copy asks for them; the sandbox scores fit against this ICP.
  const canvas = await generate(
    sandbox,
    "positioning_canvas",
    `Offer: ${OFFER.name}\nDescription: ${OFFER.description}\n\nWrite the positioning canvas.`,
    PositioningCanvas,
  );
  await generate(sandbox, "icp", `Positioning canvas:\n${JSON.stringify(canvas, null, 2)}\n\nDerive the ICP.`, Icp);

  // Webhooks, registered through the API with our secret, as the webhooks app does.
  const accounts = (await p.unipile.listAccounts()).items;
  const self = new Map(accounts.map((a) => [a.id, a]));
  for (const source of ["messaging", "users", "email", "email_tracking", "account_status"] as const) {
    await p.unipile.createWebhook({
      requestUrl: "https://hooks.example.test/unipile",
      source,
      secret: WEBHOOK_SECRET,
      ...(source === "email"
        ? { events: ["mail_received", "mail_sent"] }
        : source === "email_tracking"
          ? { events: ["mail_opened", "mail_link_clicked"] }
          : {}),
    });
  }
  sandbox.setWebhookHandler((_provider, payload, headers) => {
    if (!verifyUnipileWebhookSecret(headers, WEBHOOK_SECRET)) {
      refused.push("bad secret");
      return;
    }
    events.push(
      toProviderEvent(parseUnipileWebhook(payload), {
        selfProviderId: (id) => self.get(id)?.linkedinProviderId,
        selfEmail: (id) => self.get(id)?.emailAddress,
      }),
    );
  });

  // Discovery and enrichment.
  const query = "fintech companies hiring sales reps";
  const found = [
    ...(await p.exa.searchCompanies({ query, limit: 5 })).companies,
    ...(await p.parallel.searchCompanies({ query, limit: 5 })).companies,
    ...(
      await p.theirstack.searchCompanies({
        query,
        filters: { hiringFor: ["Account Executive", "Sales Development Representative"] },
        limit: 10,
      })
    ).companies,
  ];
  const byDomain = new Map<string, CompanyRecord>();
  for (const c of found) if (c.domain && !byDomain.has(c.domain)) byDomain.set(c.domain, c);
  const companies = [...byDomain.values()].slice(0, 6);

  const linkedin = accounts.filter((a) => a.type === "linkedin");
  const mailboxes = accounts.filter((a) => a.type === "email");
  let invited = 0;
  let emailed = 0;
  let n = 0;
  const invitedBy = new Map<string, string>();
  for (const company of companies) {
    const domain = company.domain as string;
    await p.sumble.enrichCompany({ domain });
    await p.firecrawl.scrapePage(`https://www.${domain}/`);
    const people = (await p.parallel.searchPeople({ company: { name: company.name, domain }, limit: 5 })).people.slice(0, 3);
    for (const person of people) {
      const i = n++;
      const sender = linkedin[i % linkedin.length];
      const mailbox = mailboxes[i % mailboxes.length];
      if (sender && person.linkedin_url) {
        const profile = await p.unipile.resolveProfile(sender.id, person.linkedin_url);
        if (!profile.isConnection) {
          await p.unipile.sendInvitation({
            accountId: sender.id,
            providerId: profile.providerId,
            note: `Hi ${person.first_name ?? "there"}, glad to connect.`,
          });
          invitedBy.set(profile.providerId, sender.id);
          invited++;
        }
      }
      const address = await p.leadmagic.findEmail({ firstName: person.first_name ?? "", lastName: person.last_name ?? "", domain });
      if (mailbox && address.email) {
        const verdict = await p.leadmagic.verifyEmail(address.email);
        if (verdict.email_status !== "invalid") {
          await p.unipile.sendEmail({
            accountId: mailbox.id,
            to: [{ email: address.email, ...(person.full_name ? { name: person.full_name } : {}) }],
            subject: `Ramping reps at ${company.name}`,
            html: `<p>Hi ${person.first_name ?? "there"}, a question about ramping new reps.</p>`,
            sendId: `send-${i}`,
            tracking: { opens: true, links: true, label: "scenario" },
          });
          emailed++;
        }
      }
      sandbox.clock.advance(90_000);
    }
  }

  // Three weeks, a day at a time; each accepted invitation gets a DM the next morning.
  let dms = 0;
  let seen = 0;
  for (let day = 0; day < 21; day++) {
    await sandbox.tick(DAY);
    for (; seen < events.length; seen++) {
      const e = events[seen];
      if (e?.type !== "invitation_accepted" || !invitedBy.has(e.providerId)) continue;
      await p.unipile.startChat({
        accountId: e.accountId,
        recipientProviderIds: [e.providerId],
        text: "Thanks for connecting. How do you ramp new reps today?",
      });
      invitedBy.delete(e.providerId);
      dms++;
    }
  }
  return { sandbox, events, refused, companies, invited, emailed, dms };
}
