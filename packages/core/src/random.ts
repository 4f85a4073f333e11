/**
 * Seeded randomness and stable hashes, the one home of each: the scheduler's send-time jitter and
 * random source, the sandbox's simulated world and copy's spintax and A/B assignment all draw from
 * here. Nothing here is cryptographic; the point is that one input gives the same numbers on every
 * machine and every run, which the demo's journal relies on (two runs with one seed are compared
 * byte for byte once ids are normalised).
 *
 * Two hashes with different algorithms live here under distinct names, because each one already
 * decides stored or compared outcomes (spintax picks, account rotation parity) and changing either
 * would change them: {@link stableHash53} (cyrb53, copy's) and {@link stableHash32} (the first
 * draw of {@link seededRandom}, the scheduler's).
 */

/** cyrb128: a string folded into the four 32-bit words that seed sfc32. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/**
 * A deterministic pseudo-random generator seeded by a string: each call returns the next number in
 * [0, 1). The seed is hashed with cyrb128 into the 128-bit state of sfc32; the same seed gives the
 * same stream everywhere.
 */
export function seededRandom(seed: string): () => number {
  let [a, b, c, d] = cyrb128(seed);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs, which correlate with the seed's hash.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * A stable 32-bit hash of a string: the first draw of {@link seededRandom}`(value)` scaled to
 * [0, 2^32). The scheduler uses it for rotation parity and tie-breaks between accounts.
 */
export function stableHash32(value: string): number {
  return Math.floor(seededRandom(value)() * 4294967296) >>> 0;
}

/**
 * A stable string hash (cyrb53), optionally salted by `seed`: copy uses it for spintax picks, A/B
 * assignment and template keys.
 *
 * @returns an integer in [0, 2^53).
 */
export function stableHash53(input: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
