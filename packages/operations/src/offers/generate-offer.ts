/**
 * Create an offer from a description: generate its positioning canvas, ICP and email/LinkedIn
 * copy with a model, and save it as a draft with a draft template per piece of copy (or, in a dry
 * run, return what would be saved).
 */
import {
  deriveIcp,
  generatePositioning,
  generateTemplates,
  linkedInTemplateKeys,
  type LinkedInTemplateKey,
  type LlmOptions,
} from "@offerlab/copy";
import {
  OfferlabError,
  slugify,
  toFieldIssues,
  ValidationError,
  type EmailTemplates,
  type FieldIssue,
  type Icp,
  type LinkedInTemplates,
  type PositioningCanvas,
} from "@offerlab/core";
import {
  OfferCreateInput,
  offerCopy,
  offers,
  templatesFromCopy,
  type CopyTemplate,
  type Db,
  type MessageTemplate,
  type Offer,
} from "@offerlab/db";
import type { z } from "zod";
import type { OperationContext } from "../context.js";

export interface GenerateOfferContext extends Omit<OperationContext, "db"> {
  /** The database; needed unless the input is a dry run (which reads and writes nothing). */
  db?: Db;
  /** The model (`@offerlab/copy`'s options: a model, or the environment naming one). */
  llm: LlmOptions;
}

export interface GenerateOfferInput {
  /** The offer's fields; `type` defaults to product and `ownership` to internal. */
  offer: Record<string, unknown>;
  /** Emails in the generated sequence, 0 to 10, 0 for none. Default 3. */
  emailSteps?: number;
  /** LinkedIn templates to write; empty for none. Default connection_request and follow_up_dm. */
  linkedin?: readonly LinkedInTemplateKey[];
  /** Generate, but save nothing. Default false. */
  dryRun?: boolean;
  /** Told before each generation step (`Generating the positioning canvas` …), for a progress display. */
  onStep?: (what: string) => void;
}

type OfferFields = z.output<typeof OfferCreateInput>;

/** The offer as it would be saved: its fields and the generated copy. */
export type OfferDraft = OfferFields & {
  slug: string;
  status: "draft";
  positioning: PositioningCanvas;
  icp: Icp;
  email_templates: EmailTemplates | null;
  linkedin_templates: LinkedInTemplates | null;
};

/** A template a dry run would create, with a placeholder id (`draft-1…`). */
export type TemplatePreview = CopyTemplate & { id: string; status: "draft" };

export type GenerateOfferResult =
  { saved: true; offer: Offer; templates: MessageTemplate[] } | { saved: false; offer: OfferDraft; templates: TemplatePreview[] };

export interface CheckedGenerateOffer {
  offer: OfferFields;
  slug: string;
  emailSteps: number;
  linkedin: LinkedInTemplateKey[];
}

/** Checks the request before any model call or database write; a ValidationError names each problem. */
export function checkGenerateOffer(input: GenerateOfferInput): CheckedGenerateOffer {
  const emailSteps = input.emailSteps ?? 3;
  const linkedin = [...(input.linkedin ?? (["connection_request", "follow_up_dm"] as const))];
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(emailSteps) || emailSteps < 0 || emailSteps > 10)
    issues.push({ field: "emailSteps", message: `must be a whole number from 0 to 10 (got ${emailSteps})` });
  const unknown = linkedin.filter((k) => !linkedInTemplateKeys.includes(k));
  if (unknown.length)
    issues.push({ field: "linkedin", message: `${unknown.join(", ")} not allowed; use ${linkedInTemplateKeys.join(", ")}` });
  if (emailSteps === 0 && linkedin.length === 0)
    issues.push({ field: "emailSteps", message: "0 emails and no LinkedIn template leave nothing to write: ask for some copy" });
  if (issues.length) throw new ValidationError("offer request", issues);
  const check = OfferCreateInput.safeParse({ type: "product", ownership: "internal", ...input.offer });
  if (!check.success) throw new ValidationError("offer", toFieldIssues(check.error));
  if (check.data.ownership === "client" && !check.data.client_name) {
    throw new ValidationError("offer", [{ field: "client_name", message: 'is required when ownership is "client" (name the client)' }]);
  }
  return { offer: check.data, slug: check.data.slug ?? slugify(check.data.name, 60), emailSteps, linkedin };
}

export async function generateOffer(ctx: GenerateOfferContext, input: GenerateOfferInput): Promise<GenerateOfferResult> {
  const { offer: fields, slug, emailSteps, linkedin } = checkGenerateOffer(input);
  const db = ctx.db;
  if (!input.dryRun) {
    if (!db) throw new OfferlabError("invalid_usage", "generateOffer: pass ctx.db to save the offer (or ask for a dry run)");
    // Before paying for generation: a slug in use would refuse the save at the end.
    if (await offers.get(db, slug)) {
      throw new ValidationError("offer", [
        { field: "slug", message: `"${slug}" is already used by another offer; pass --slug or change --name` },
      ]);
    }
  }
  const step = input.onStep ?? (() => undefined);
  // Generation happens outside any transaction: a model call is slow and may fail; nothing is written until it is done.
  step("Generating the positioning canvas");
  const positioning = await generatePositioning(fields, ctx.llm);
  step("Deriving the ICP");
  const icp = await deriveIcp(positioning, ctx.llm);
  let email_templates: EmailTemplates | null = null;
  let linkedin_templates: LinkedInTemplates | null = null;
  if (emailSteps > 0) {
    step(`Writing ${emailSteps} email(s)`);
    email_templates = await generateTemplates(fields, positioning, icp, { channel: "email", steps: emailSteps }, ctx.llm);
  }
  if (linkedin.length > 0) {
    step(`Writing LinkedIn copy (${linkedin.join(", ")})`);
    linkedin_templates = await generateTemplates(fields, positioning, icp, { channel: "linkedin", steps: linkedin }, ctx.llm);
  }
  const full: OfferDraft = { ...fields, slug, status: "draft", positioning, icp, email_templates, linkedin_templates };
  if (input.dryRun) {
    const preview = templatesFromCopy(full).map((t, i) => ({ ...t, id: `draft-${i + 1}`.padEnd(8, "0"), status: "draft" as const }));
    return { saved: false, offer: full, templates: preview };
  }
  // One transaction (offerCopy.create's): the offer and its draft templates, or nothing.
  const { offer, templates } = await offerCopy.create(db!, full);
  return { saved: true, offer, templates };
}
