/**
 * The pure scheduling engine of @offerlab/scheduler: send windows, jitter, capacity, sequences,
 * eligibility and account choice. No I/O; every function takes the current time as an argument.
 */
export * from "./reasons.js";
export * from "./window.js";
export * from "./capacity.js";
export * from "./eligibility.js";
export * from "./jitter.js";
export * from "./sequence.js";
export * from "./accounts.js";
export * from "./enrolment.js";
export * from "./forecast.js";
export * from "./launch.js";
export * from "./send-times.js";
export * from "./random.js";
