/** Reading an offer's ICP and turning it into provider queries. */
import { companySizes, Icp, OfferlabError, type CompanySize, type OfferlabErrorOptions } from "@offerlab/core";
import type { DbOrTrx } from "@offerlab/db";
import type { CompanySearchQuery, IcpFilters } from "@offerlab/provider-kit";

/** Thrown when an offer is missing or its ICP cannot drive discovery. */
export class PipelineInputError extends OfferlabError {
  override readonly name = "PipelineInputError";
  constructor(message: string, options?: OfferlabErrorOptions) {
    super("pipeline_input", message, options);
  }

  /** True for a PipelineInputError of any copy of this package. */
  static override isInstance(error: unknown): error is PipelineInputError {
    return OfferlabError.isNamed(error, "PipelineInputError");
  }
}

export interface OfferIcp {
  offerId: string;
  offerName: string;
  icp: Icp;
  /** `positioning.disqualifying_signals`, applied with the ICP's disqualifiers. */
  positioningDisqualifiers: string[];
}

export async function loadOfferIcp(db: DbOrTrx, offerId: string): Promise<OfferIcp> {
  const offer = await db.selectFrom("offers").select(["id", "name", "icp", "positioning"]).where("id", "=", offerId).executeTakeFirst();
  if (!offer) throw new PipelineInputError(`offer ${offerId} does not exist`);
  const parsed = Icp.safeParse(offer.icp);
  if (!parsed.success) {
    throw new PipelineInputError(
      `offer "${offer.name}" has no usable ICP (${offer.icp == null ? "none yet" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}); generate or edit it first`,
    );
  }
  const positioning = offer.positioning as { disqualifying_signals?: unknown } | null;
  const dq = Array.isArray(positioning?.disqualifying_signals)
    ? positioning.disqualifying_signals.filter((x): x is string => typeof x === "string")
    : [];
  return { offerId: offer.id, offerName: offer.name, icp: parsed.data, positioningDisqualifiers: dq };
}

const BUCKET_BOUNDS: Record<CompanySize, [number, number]> = {
  "1-10": [1, 10],
  "11-50": [11, 50],
  "51-200": [51, 200],
  "201-500": [201, 500],
  "501-1000": [501, 1000],
  "1000+": [1001, Number.POSITIVE_INFINITY],
};

const human = (s: string) => s.replace(/[_-]+/g, " ").trim();

/**
 * The company search an ICP asks for: a sentence for natural-language engines (Exa, Parallel)
 * and filters for structured ones (TheirStack). Signals are scored, not filtered on: a filter
 * would hide companies whose signals a vendor does not know.
 */
export function companyQueryOf(icp: Icp, extra: IcpFilters = {}): CompanySearchQuery {
  const { verticals, size_min, size_max, signals } = icp.company;
  const sizes = companySizes.filter((b) => BUCKET_BOUNDS[b][1] >= size_min && BUCKET_BOUNDS[b][0] <= size_max);
  const query =
    `${verticals.map(human).join(" or ")} companies with ${size_min}-${size_max} employees` +
    (signals.length ? `, ${signals.map(human).join(", ")}` : "");
  return {
    query,
    filters: { industries: verticals, minEmployees: size_min, maxEmployees: size_max, sizes, keywords: verticals, ...extra },
  };
}
