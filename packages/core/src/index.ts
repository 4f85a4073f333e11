/**
 * @offerlab/core — the domain: enums, zod schemas for every row and JSONB document, and the pure
 * rules (normalisation, slugs) the rest of offerlab builds on. No I/O.
 */
export * from "./enums.js";
export * from "./errors.js";
export * from "./error-codes.js";
export * from "./validation.js";
export * from "./tables.generated.js";
export * from "./normalize.js";
export * from "./random.js";
export * from "./slug.js";
export * from "./documents.js";
export * from "./lifecycle.js";
export * from "./outcomes.js";
export * from "./company-lifecycle.js";
export * from "./campaign-defaults.js";
export * from "./cooling-off.js";
export * from "./assert-never.js";
export * from "./bookings.js";
