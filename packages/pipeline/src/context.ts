/**
 * What every pipeline function receives: the database, the providers (capability interfaces
 * only, never a vendor package), the usage recorder and the progress callback.
 */
import type { Db, DbOrTrx } from "@offerlab/db";
import type { CapabilityName, CompanySearch, EmailFinder, EmailVerifier, PageScraper, PeopleSearch } from "@offerlab/provider-kit";
import type { UsageRecorder } from "./usage.js";

export const stepNames = ["discover_companies", "discover_people", "enrich_emails", "scrape_companies"] as const;
/** A pipeline step; also `pipeline_steps.step_name`. */
export type StepName = (typeof stepNames)[number];

export interface PipelineProviders {
  /** Company search providers, in the order their records win a merge. */
  companySearch?: CompanySearch[];
  /** People search providers, asked in order until a company has enough people. */
  peopleSearch?: PeopleSearch[];
  /** Email finders, in waterfall order (cheapest or best first). */
  emailFinders?: EmailFinder[];
  /** Email verifiers, in waterfall order. */
  emailVerifiers?: EmailVerifier[];
  /** Optional: scrapes company sites for personalisation variables. */
  pageScraper?: PageScraper;
}

/**
 * The capabilities the pipeline's steps use, each with the {@link PipelineProviders} slot it
 * fills. Which vendors serve them is not the pipeline's to know (it never imports a vendor): the
 * apps derive a {@link CapabilityMap} from their list of vendor descriptors and pass adapters in.
 */
export const pipelineCapabilities = {
  companySearch: "companySearch",
  peopleSearch: "peopleSearch",
  emailFinder: "emailFinders",
  emailVerifier: "emailVerifiers",
  pageScraper: "pageScraper",
} as const satisfies { readonly [C in CapabilityName]?: keyof PipelineProviders };
/** A capability the pipeline uses (`"emailFinder"`). */
export type PipelineCapability = keyof typeof pipelineCapabilities;
/** Which vendors (by name) serve each capability the pipeline uses, in the default order of use. */
export type CapabilityMap = { readonly [C in PipelineCapability]: readonly string[] };

/** One progress report, shaped for a progress bar: `done` of `total` items of a step. */
export interface ProgressEvent {
  runId: string;
  step: StepName;
  phase: "start" | "progress" | "done";
  done: number;
  /** Unknown (null) while a search is still paging. */
  total: number | null;
  /** Credits spent by the whole run so far. */
  creditsSpent: number;
  message?: string;
}

/**
 * Called inside the transaction that gave contacts these email addresses (a CSV import, an
 * address found by enrichment), so that what waited for the person (a booking kept for nobody,
 * `@offerlab/operations`' `matchBookingsForEmails`) is settled in the same transaction.
 */
export type ContactEmailsHook = (trx: DbOrTrx, emails: readonly string[]) => Promise<unknown>;

export interface PipelineContext {
  db: Db;
  providers: PipelineProviders;
  /**
   * The recorder whose `onUsage` the adapters were created with. With it, the credit budget
   * counts what vendors reported per call (billed failures included); without it, the pipeline
   * counts the `creditsUsed` of results only. Default: none.
   */
  usage?: UsageRecorder;
  /** Progress reports (the CLI turns them into progress bars). Default: none. */
  onProgress?: (event: ProgressEvent) => void;
  /** The clock (tests). Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * The providers are the sandbox's simulated ones (`@offerlab/sandbox`). The run, its lookups and
   * (with `createUsageRecorder(db, { sandbox: true })`) its usage rows are marked as the sandbox's;
   * a run only reuses lookups of its own world and only resumes runs of its own world. Default
   * false. (`openDatabase` keeps the two worlds in separate databases as well.)
   */
  sandbox?: boolean;
  /**
   * Paid answers are reused only by runs of the same scope. The sandbox's runs pass their seed:
   * another seed is another simulated world, whose companies and people differ, and a run in it
   * must not be handed an earlier world's answers. Default: none (every run of the database's
   * world shares them).
   */
  lookupScope?: string;
  /** Called in the transaction that records an address found for a contact. Default: none. */
  onContactEmails?: ContactEmailsHook;
}
