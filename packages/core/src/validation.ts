import { z } from "zod";
import { OfferlabError } from "./errors.js";

/** One problem with one field of an input. */
export interface FieldIssue {
  /** Dotted path of the field (`positioning.symptoms.0.score.total`), or `(input)` for the whole. */
  field: string;
  message: string;
}

/**
 * Bad input: names every field that is wrong and what is allowed. Thrown before anything is
 * written, so the data stays as it was. The CLI prints `issues` and exits with code 2.
 */
export class ValidationError extends OfferlabError {
  override readonly name = "ValidationError";

  constructor(
    readonly subject: string,
    readonly issues: FieldIssue[],
  ) {
    super("invalid_input", `invalid ${subject}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
  }

  /** True for a ValidationError of any copy of this package. */
  static override isInstance(error: unknown): error is ValidationError {
    return OfferlabError.isNamed(error, "ValidationError");
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value" && "values" in issue) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.message.includes("received undefined")) return "is required";
  if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
  return issue.message;
}

/** Turns zod issues into field issues with readable messages. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "(input)",
    message: describeIssue(issue),
  }));
}

/** Parses `input` with `schema`, or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(subject, toFieldIssues(result.error));
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Field sizes

/**
 * The most characters each free-text column of `offers`, `companies` and `contacts` takes when it
 * is written. The one place these limits are defined: the insert schemas of `tables.generated.ts`
 * check them (so every repository write, the CSV import and the create and edit commands refuse
 * a longer value, naming the field and the limit), and discovery cuts vendor text to them
 * ({@link clipToTextLimits}). They are generous for real data (a company name of 300 characters,
 * a description of 10,000) and keep a stray 5 MB cell out of rows that are read on every page.
 * Values stored before a limit existed are read as they are.
 */
export const textLimits = {
  offers: {
    name: 200,
    slug: 100,
    client_name: 200,
    description: 10_000,
    problem_solved: 5_000,
    value_proposition: 5_000,
    price_range: 100,
  },
  companies: {
    name: 300,
    domain: 253,
    url: 2_048,
    description: 10_000,
    vertical: 200,
    industry: 200,
    headquarters_city: 200,
    headquarters_state: 200,
    headquarters_country: 200,
    fit_reasoning: 10_000,
    source_tool: 100,
    source_query: 2_000,
    disqualification_reason: 2_000,
  },
  contacts: {
    first_name: 200,
    last_name: 200,
    full_name: 300,
    title: 500,
    title_normalized: 500,
    department: 200,
    email: 254,
    email_verification_source: 100,
    phone: 50,
    linkedin_url: 500,
    linkedin_id: 200,
    source_tool: 100,
    skip_reason: 500,
    notes: 10_000,
  },
} as const satisfies Record<string, Record<string, number>>;

/** A table with text limits. */
export type TextLimitedTable = keyof typeof textLimits;

/**
 * Text of at most `max` characters (UTF-16 code units, as JavaScript counts them). The error names
 * the limit and the length given: `must be at most 300 characters (got 307200)`.
 */
export function boundedText(max: number) {
  return z.string().max(max, {
    error: (issue) => `must be at most ${max} characters (got ${typeof issue.input === "string" ? issue.input.length : "more"})`,
  });
}

/** Columns that identify or reach something: cut, they would name something else. */
const UNCLIPPED = new Set(["slug", "domain", "url", "email", "linkedin_url", "linkedin_id", "phone", "source_tool"]);

/**
 * A copy of `values` with each free-text column of `table` cut to its limit (the last character
 * kept is `…`). For text that comes from a vendor, which nobody can shorten by hand: a long company
 * description must not cost the company. Identifiers (slug, domain, URLs, email, LinkedIn id,
 * phone, source tool) are never cut, since a cut one names something else: over its limit, it
 * is refused like any invalid value. Other values are copied as they are.
 */
export function clipToTextLimits<T extends Record<string, unknown>>(table: TextLimitedTable, values: T): T {
  const limits: Readonly<Record<string, number>> = textLimits[table];
  const out: Record<string, unknown> = { ...values };
  for (const [column, max] of Object.entries(limits)) {
    const v = out[column];
    if (UNCLIPPED.has(column)) continue;
    if (typeof v === "string" && v.length > max) {
      // Never keep half of a character that takes two code units (an emoji).
      const cut = /[\uD800-\uDBFF]$/.test(v.slice(0, max - 1)) ? max - 2 : max - 1;
      out[column] = `${v.slice(0, cut)}…`;
    }
  }
  return out as T;
}
