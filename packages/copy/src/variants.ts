/**
 * A/B variant assignment: deterministic (the same contact, seed and variants always get the same
 * answer) and balanced (variant sizes differ by at most one).
 */
import { stableHash53 } from "@offerlab/core";

function requireVariants(variants: readonly unknown[]): void {
  if (variants.length === 0) throw new RangeError("[copy] at least one variant is required");
}

/**
 * Assigns a batch of contacts to variants: contacts are ordered by a hash of seed and id (so the
 * result does not depend on the order given, and no variant gets, say, the oldest contacts) and
 * dealt round-robin. Each variant gets ⌊n/k⌋ or ⌈n/k⌉ contacts. Duplicate ids count once.
 *
 * Adding contacts to the batch can move earlier ones; to enrol contacts one at a time, use
 * {@link pickVariant} with the current counts.
 *
 * @param seed e.g. the campaign id plus the step, so separate tests are independent.
 */
export function assignVariants<T>(contactIds: readonly string[], variants: readonly T[], options: { seed: string }): Map<string, T> {
  requireVariants(variants);
  const ordered = [...new Set(contactIds)]
    .map((id) => ({ id, key: stableHash53(`${options.seed}\u0000${id}`) }))
    .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const assigned = new Map<string, T>();
  // Start the deal at a seed-dependent variant, so "A" is not always the one with the extra contact.
  const offset = stableHash53(options.seed) % variants.length;
  ordered.forEach(({ id }, index) => assigned.set(id, variants[(index + offset) % variants.length] as T));
  return assigned;
}

/**
 * Picks the variant for one contact. With `counts` (how many contacts each variant already has,
 * same order as `variants`), it picks among the least-used variants, so assignment one at a time
 * stays balanced; the hash of seed and contact id breaks ties. Without `counts`, it is the hash
 * alone: deterministic and balanced on average.
 */
export function pickVariant<T>(contactId: string, variants: readonly T[], options: { seed: string; counts?: readonly number[] }): T {
  requireVariants(variants);
  const hash = stableHash53(`${options.seed}\u0000${contactId}`);
  let candidates = variants.map((_, index) => index);
  if (options.counts !== undefined) {
    const counts = variants.map((_, index) => options.counts?.[index] ?? 0);
    const least = Math.min(...counts);
    candidates = candidates.filter((index) => counts[index] === least);
  }
  const index = candidates[hash % candidates.length] ?? 0;
  return variants[index] as T;
}
