/**
 * Launch checks: whether a campaign can start sending, and which template each of its steps will
 * use. Pure; the CLI loads the campaign, its accounts and the approved templates, and writes only
 * when there is no problem.
 *
 * Template choice mirrors the planner: approved templates of the campaign's offer on the step's
 * channel, this campaign's own first, then one for this step number, then one for any step, then
 * the oldest, then by name. An offer's email sequence numbers its emails 1..n, while a campaign
 * numbers all of its steps: in `connection_request, linkedin_dm, email` the first email is step 3.
 * For such a step the planner would pick the offer's third email (or none), so
 * {@link resolveStepTemplates} binds the offer's email of the same rank (the first email for the
 * campaign's first email step) to the campaign step, as a campaign template to create at launch.
 */
import type { FieldIssue, MessageChannel, SchedulingConfig } from "@offerlab/core";
import { SchedulingConfig as SchedulingConfigSchema, schedulingStepChannel, toFieldIssues } from "@offerlab/core";
import { accountBlock, type AccountLimitsInput } from "./capacity.js";
import { describeReason, type ReasonCode } from "./reasons.js";
import { SendWindowError, windowFromCampaign } from "./window.js";

/** An approved template as launch reads it. */
export interface LaunchTemplate {
  id: string;
  name: string;
  channel: MessageChannel;
  sequence_step: number | null;
  campaign_id: string | null;
  created_at: Date;
}

/** The template a campaign step uses, and whether launch must bind it to the campaign first. */
export interface StepTemplate {
  step: number;
  channel: MessageChannel;
  /** The template the planner will use after launch, or null when there is none. */
  template: LaunchTemplate | null;
  /** True when `template` is an offer template launch must copy onto this campaign step. */
  bind: boolean;
}

/** The planner's pick among `templates` for one step (see the module note). */
export function plannerTemplate(
  templates: readonly LaunchTemplate[],
  campaignId: string,
  step: number,
  channel: MessageChannel,
): LaunchTemplate | null {
  const fits = templates.filter(
    (t) =>
      t.channel === channel &&
      (t.campaign_id === campaignId || t.campaign_id === null) &&
      (t.sequence_step === step || t.sequence_step === null),
  );
  fits.sort(
    (a, b) =>
      Number(a.campaign_id === null) - Number(b.campaign_id === null) ||
      Number(a.sequence_step === null) - Number(b.sequence_step === null) ||
      a.created_at.getTime() - b.created_at.getTime() ||
      // Written together (one transaction, one created_at): by name, as the planner picks.
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return fits[0] ?? null;
}

/** The template each step of the campaign will use, with the bindings launch must create. */
export function resolveStepTemplates(config: SchedulingConfig, campaignId: string, templates: readonly LaunchTemplate[]): StepTemplate[] {
  let emailRank = 0;
  return config.steps.map((s) => {
    const channel = schedulingStepChannel[s.type];
    const picked = plannerTemplate(templates, campaignId, s.step, channel);
    if (channel !== "email") return { step: s.step, channel, template: picked, bind: false };
    emailRank++;
    if (emailRank === s.step || (picked && picked.campaign_id === campaignId))
      return { step: s.step, channel, template: picked, bind: false };
    const ofRank = plannerTemplate(
      templates.filter((t) => t.campaign_id === null && t.sequence_step === emailRank),
      campaignId,
      emailRank,
      channel,
    );
    return ofRank ? { step: s.step, channel, template: ofRank, bind: true } : { step: s.step, channel, template: picked, bind: false };
  });
}

/** What {@link checkLaunch} reads. */
export interface LaunchInput {
  campaign: {
    id: string;
    status: string;
    scheduling_config: unknown;
    send_window_start: string;
    send_window_end: string;
    send_days: number[];
    timezone: string;
    /** `networking` campaigns may not invite (their people are connections already). Default `cold_outreach`. */
    campaign_type?: string | null;
  };
  offer: { status: string };
  /** The campaign's accounts that exist (from `account_id` and `account_ids`). */
  accounts: readonly (AccountLimitsInput & { id: string; name: string; rotation_set: string | null; unipile_account_id?: string | null })[];
  /** Ids the campaign names that no longer exist. */
  missingAccountIds: readonly string[];
  /** Approved templates of the offer (offer-wide or this campaign's). */
  templates: readonly LaunchTemplate[];
  /** Contacts enrolled and not finished. */
  contacts: number;
}

/** What launch would do, or why it cannot. */
export interface LaunchCheck {
  /** Problems that stop the launch, each naming the field to fix and how. */
  problems: FieldIssue[];
  /** Things worth knowing that do not stop it (no contacts yet, every account paused …). */
  warnings: string[];
  /** Each step's template, when the schedule is valid. */
  steps: StepTemplate[];
}

/** Why an account sends nothing at launch: not linked to Unipile, or the send path's own block. */
function launchBlock(a: LaunchInput["accounts"][number]): ReasonCode | null {
  if (a.unipile_account_id !== undefined && !a.unipile_account_id) return "account_unlinked";
  return accountBlock(a);
}

/** Checks that a campaign can launch; see {@link LaunchCheck}. */
export function checkLaunch(input: LaunchInput): LaunchCheck {
  const problems: FieldIssue[] = [];
  const warnings: string[] = [];
  const { campaign } = input;
  if (!["draft", "ready", "paused", "active"].includes(campaign.status)) {
    problems.push({ field: "status", message: `the campaign is ${campaign.status}, which is final; create a new campaign` });
  }
  if (input.offer.status === "killed" || input.offer.status === "completed") {
    problems.push({
      field: "offer.status",
      message: `the offer is ${input.offer.status}; set it back with \`offerlab offers status <offer> active\` first`,
    });
  }
  try {
    windowFromCampaign(campaign);
  } catch (error) {
    if (!(error instanceof SendWindowError)) throw error;
    problems.push({ field: "send_window", message: error.message });
  }
  for (const id of input.missingAccountIds) {
    problems.push({ field: "account_ids", message: `account ${id} no longer exists; recreate the campaign with existing accounts` });
  }

  let steps: StepTemplate[] = [];
  if (campaign.scheduling_config === null || campaign.scheduling_config === undefined) {
    problems.push({ field: "scheduling_config", message: "is not set: the campaign has no steps" });
  } else {
    const parsed = SchedulingConfigSchema.safeParse(campaign.scheduling_config);
    if (!parsed.success) {
      for (const issue of toFieldIssues(parsed.error)) problems.push({ field: `scheduling_config.${issue.field}`, message: issue.message });
    } else {
      steps = resolveStepTemplates(parsed.data, campaign.id, input.templates);
      if (campaign.campaign_type === "networking") {
        const invite = parsed.data.steps.find((s) => s.type === "connection_request");
        if (invite)
          problems.push({
            field: `scheduling_config.steps.${invite.step - 1}`,
            message:
              "a networking campaign messages people who are already 1st-degree connections: it sends no invitation (connection_request); remove the step or make it a cold_outreach campaign",
          });
      }
      for (const s of steps) {
        if (!s.template) {
          problems.push({
            field: `scheduling_config.steps.${s.step - 1}`,
            message: `step ${s.step} (${s.channel}) has no approved template: approve one with \`offerlab templates approve\``,
          });
        }
      }
      const types = new Set(parsed.data.steps.map((s) => (s.type === "email" ? "email" : "linkedin")));
      for (const type of types) {
        const burners = parsed.data.use_burner_accounts === true;
        const ofType = input.accounts.filter((a) => a.type === type && (burners || a.rotation_set !== "burner"));
        if (ofType.length === 0) {
          const hasBurner = input.accounts.some((a) => a.type === type && a.rotation_set === "burner");
          problems.push({
            field: "account_ids",
            message: hasBurner
              ? `the campaign has ${type} steps and only burner ${type} accounts, which it does not use: opt in with scheduling_config.use_burner_accounts (\`offerlab campaigns create --use-burner-accounts\`) or add a non-burner account`
              : `the campaign has ${type} steps but no ${type} account`,
          });
          continue;
        }
        const blocks = ofType.map((a) => ({ a, block: launchBlock(a) }));
        const lasting = blocks.filter((b) => b.block === "account_unlinked" || b.block === "account_disconnected");
        if (lasting.length === blocks.length) {
          // Nothing of this type could ever go out until a person fixes the accounts: refuse.
          problems.push({
            field: "account_ids",
            message: `no ${type} account of the campaign can send, so its ${type} steps would never go out: ${lasting.map((b) => `${b.a.name}: ${describeReason(b.block!)}`).join(" ")}`,
          });
        } else if (blocks.every((b) => b.block !== null)) {
          warnings.push(
            `every ${type} account of the campaign is held back, so its ${type} steps will wait: ${blocks
              .map((b) => `${b.a.name}: ${describeReason(b.block!)}`)
              .join(" ")}`,
          );
        } else if (lasting.length > 0) {
          warnings.push(
            `some ${type} accounts of the campaign cannot send, and the others do their work: ${lasting.map((b) => `${b.a.name}: ${describeReason(b.block!)}`).join(" ")}`,
          );
        }
      }
    }
  }
  if (input.contacts === 0) warnings.push("the campaign has no contacts yet: add some with `offerlab campaigns add-contacts`");
  return { problems, warnings, steps };
}
