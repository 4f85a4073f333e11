/**
 * Create an offer from its fields (and, when given, its copy: positioning, ICP, email and LinkedIn
 * templates, each template becoming a draft to approve).
 */
import { slugify, toFieldIssues, ValidationError } from "@offerlab/core";
import { OfferCreateInput, offerCopy, offers, type MessageTemplate, type Offer } from "@offerlab/db";
import type { z } from "zod";
import { inTransaction, type OperationContext } from "../context.js";
import { copyLintIssues } from "./copy-lint.js";

export interface CreateOfferInput {
  /** The offer's fields, snake_case as in the offers table (`name`, `type`, `ownership`, `description` …). */
  offer: Record<string, unknown>;
  /** When an offer with the same slug exists, leave it unchanged and return it. Default false. */
  ifNotExists?: boolean;
}

export type CreateOfferResult =
  { created: true; offer: Offer; templates: MessageTemplate[] } | { created: false; offer: Offer; templates: [] };

/**
 * Checks an offer before anything is opened or written: its fields against the offers table, and
 * the lint of any copy it carries. Returns the parsed offer; a ValidationError names each problem.
 */
export function checkCreateOffer(input: CreateOfferInput): z.output<typeof OfferCreateInput> {
  const check = OfferCreateInput.safeParse(input.offer);
  if (!check.success) throw new ValidationError("offer", toFieldIssues(check.error));
  const lint = copyLintIssues(check.data);
  if (lint.length) throw new ValidationError("offer copy", lint);
  return check.data;
}

export async function createOffer(ctx: OperationContext, input: CreateOfferInput): Promise<CreateOfferResult> {
  checkCreateOffer(input);
  return inTransaction(ctx.db, async (trx) => {
    if (input.ifNotExists) {
      const { slug, name } = input.offer;
      const existing = await offers.get(trx, typeof slug === "string" ? slug : slugify(String(name), 60));
      if (existing) return { created: false as const, offer: existing, templates: [] as [] };
    }
    const { offer, templates } = await offerCopy.create(trx, input.offer);
    return { created: true as const, offer, templates };
  });
}
