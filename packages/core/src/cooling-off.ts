/**
 * The cooling-off rule's parameters (invariant 4, docs/contact-status.md), in one place. The rule
 * itself has two expressions: the SQL function `contact_globally_available()` (migration
 * 20261203160000_contact_availability.sql, read by the views and `export leads`) and the
 * scheduler's pure `checkEligibility` (the claim, enrolment, the replayed schedules). Both take
 * their numbers from here: the TypeScript side imports these constants, and the SQL side is held
 * to them by `contact-availability.test.ts` in @offerlab/scheduler (on both engines), which fails
 * when the migrated function, the settings table's default and CHECK, or the view disagree with
 * them or with `checkEligibility`.
 */

/** The default window, in days: no first touch from a new campaign within it of our last touch. */
export const DEFAULT_COOLING_OFF_DAYS = 60;

/** The window's bounds (`offerlab settings cooling-off <days>`; the settings table's CHECK). */
export const COOLING_OFF_DAYS_RANGE = { min: 1, max: 3650 } as const;

/**
 * The global statuses a person comes back from by themselves once the window from our last touch
 * has passed (`cooling_off` is a date, not a state). `replied` and `do_not_contact` never end by
 * themselves.
 */
export const GLOBAL_STATUSES_THAT_COOL_OFF = ["available", "cooling_off"] as const;
