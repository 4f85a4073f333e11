import type { z } from "zod";

/** Marker shared by every offerlab error class, so checks survive two copies of a package. */
export const OFFERLAB_ERROR = Symbol.for("offerlab.error");

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
export class ValidationError extends Error {
  readonly [OFFERLAB_ERROR] = true;
  override readonly name = "ValidationError";

  constructor(
    readonly subject: string,
    readonly issues: FieldIssue[],
  ) {
    super(`invalid ${subject}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
  }

  static isInstance(error: unknown): error is ValidationError {
    return (
      typeof error === "object" &&
      error !== null &&
      (error as Record<symbol, unknown>)[OFFERLAB_ERROR] === true &&
      (error as { name?: string }).name === "ValidationError"
    );
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
