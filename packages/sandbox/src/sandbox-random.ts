/**
 * The sandbox's draws, over `@offerlab/core`'s seeded generator (sfc32 seeded through cyrb128, the
 * same stream as the scheduler's for one seed), so that every draw of the sandbox depends on the
 * seed and on the order of draws only. Independent streams (`fork`) keep the world's generation
 * stable when behaviour draws are added or reordered.
 */
import { seededRandom } from "@offerlab/core";

/** A seeded source of randomness. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** One key, drawn with the given weights. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T;
  /** `n` distinct elements (fewer when the list is shorter), in draw order. */
  sample<T>(items: readonly T[], n: number): T[];
  /** A hex string of `length` characters. */
  hex(length: number): string;
  /** A version-4-shaped UUID drawn from this stream. */
  uuid(): string;
  /** An independent stream named `label`, derived from this stream's seed. */
  fork(label: string): Random;
}

export function createRandom(seed: string | number): Random {
  const seedText = String(seed);
  const next = seededRandom(seedText);
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error("[sandbox] pick from an empty list");
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
      const entries = Object.entries(weights) as [T, number][];
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [key, w] of entries) {
        r -= w;
        if (r < 0) return key;
      }
      return (entries.at(-1) as [T, number])[0];
    },
    sample<T>(items: readonly T[], n: number): T[] {
      const pool = [...items];
      const out: T[] = [];
      while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as T);
      return out;
    },
    hex(length) {
      let s = "";
      while (s.length < length) s += Math.floor(next() * 16).toString(16);
      return s;
    },
    uuid() {
      const h = random.hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[Math.floor(next() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
  return random;
}
