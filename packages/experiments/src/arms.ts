/**
 * The input of every statistic here: one summary per arm, counted by the caller (the report reads
 * them from the database; the calibration suite from its simulated world), and the checks that
 * turn a bad summary into an error naming the field and the fix.
 */
import { OfferlabError } from "@offerlab/core";

/**
 * What the engine needs to know about one arm. Counts are of contacts, not of messages.
 *
 * A contact is **matured** once its maturity window (default 14 days after the first touch) has
 * passed: only then does "no outcome" mean "failure". Contacts still inside their window are
 * **maturing**; those of them that already had the outcome are counted apart in
 * `maturingSuccesses` and never enter the rate, because counting early successes while their
 * cohort's silent contacts are left out inflates the rate of whichever arm has more contacts still
 * maturing (an arm started later): see docs/experiments.md, "Matured contacts only".
 */
export interface ArmSummary {
  /** The arm's id (an offer, a signal stack, an ICP segment or a copy variant). */
  armId: string;
  /** Contacts allocated to the arm. */
  enrolled: number;
  /** Of those, contacts who had a first touch. */
  contacted: number;
  /** Of the contacted, those whose maturity window has passed. */
  matured: number;
  /** Of the matured, those who had the outcome (a positive reply by default). */
  successes: number;
  /** Of the contacted, those whose maturity window has not passed yet. */
  maturing: number;
  /** Of the maturing, those who already had the outcome: shown, never counted in the rate. Default 0. */
  maturingSuccesses?: number;
}

/** Throws `invalid_input` with the field and the fix, so a caller's bug never prints numbers. */
export function invalid(field: string, problem: string, fix: string): never {
  throw new OfferlabError("invalid_input", `${field} ${problem}: ${fix}`);
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    invalid(field, `must be a whole number >= 0 (got ${JSON.stringify(value)})`, "count contacts, not rates or percentages");
  }
  return value;
}

/** A probability strictly between 0 and 1, or an `invalid_input` error naming `field`. */
export function checkProbability(value: unknown, field: string, fix = "pass a number between 0 and 1"): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value >= 1) {
    invalid(field, `must be between 0 and 1, exclusive (got ${JSON.stringify(value)})`, fix);
  }
  return value;
}

/** A whole number >= `min`, or an `invalid_input` error naming `field`. */
export function checkWhole(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    invalid(field, `must be a whole number >= ${min} (got ${JSON.stringify(value)})`, `pass a whole number of at least ${min}`);
  }
  return value;
}

/**
 * Checks the summaries of an experiment's arms: at least two, unique ids, and counts that nest
 * (successes <= matured; matured + maturing <= contacted <= enrolled; maturingSuccesses <= maturing).
 *
 * @returns the summaries with `maturingSuccesses` filled in
 */
export function checkArms(arms: readonly ArmSummary[]): Required<ArmSummary>[] {
  if (!Array.isArray(arms) || arms.length < 2) {
    invalid(
      "arms",
      `must list at least two arms (got ${Array.isArray(arms) ? arms.length : typeof arms})`,
      "an experiment compares two or more arms",
    );
  }
  const seen = new Set<string>();
  return arms.map((arm, i) => {
    const at = `arms[${i}]`;
    if (typeof arm?.armId !== "string" || arm.armId.trim() === "") {
      invalid(`${at}.armId`, "must be a non-empty string", "give every arm its id");
    }
    if (seen.has(arm.armId)) invalid(`${at}.armId`, `repeats "${arm.armId}"`, "give every arm a distinct id");
    seen.add(arm.armId);
    const enrolled = checkCount(arm.enrolled, `${at}.enrolled`);
    const contacted = checkCount(arm.contacted, `${at}.contacted`);
    const matured = checkCount(arm.matured, `${at}.matured`);
    const successes = checkCount(arm.successes, `${at}.successes`);
    const maturing = checkCount(arm.maturing, `${at}.maturing`);
    const maturingSuccesses = checkCount(arm.maturingSuccesses ?? 0, `${at}.maturingSuccesses`);
    if (contacted > enrolled)
      invalid(`${at}.contacted`, `(${contacted}) exceeds enrolled (${enrolled})`, "count only contacts allocated to this arm");
    if (matured + maturing > contacted) {
      invalid(
        `${at}.matured`,
        `plus maturing (${matured} + ${maturing}) exceeds contacted (${contacted})`,
        "a contacted contact is either matured or maturing, never both",
      );
    }
    if (successes > matured) {
      invalid(
        `${at}.successes`,
        `(${successes}) exceeds matured (${matured})`,
        "count successes among matured contacts only; early ones go in maturingSuccesses",
      );
    }
    if (maturingSuccesses > maturing) {
      invalid(
        `${at}.maturingSuccesses`,
        `(${maturingSuccesses}) exceeds maturing (${maturing})`,
        "count successes among maturing contacts only",
      );
    }
    return { armId: arm.armId, enrolled, contacted, matured, successes, maturing, maturingSuccesses };
  });
}
