// Seeded randomness for everything that must repeat: shuffling, weight init, synthetic data and
// dropout masks. Plain 32-bit integer arithmetic (Math.imul), so every backend and machine sees the
// same numbers for the same seed.

/** A uniform generator on [0, 1) with its own state. */
export interface Rng {
  /** Next float in [0, 1), 32 bits of entropy. */
  next(): number;
  /** Next unsigned 32-bit integer. */
  nextU32(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal draw (Box–Muller, no caching so the stream stays position-independent). */
  normal(): number;
  /** The state, to save in a checkpoint and restore with `rngFromState`. */
  state(): number;
}

/** mulberry32: a small, fast, well-mixed 32-bit generator (period 2^32). */
export function rngFromState(initial: number): Rng {
  let s = initial >>> 0;
  const nextU32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    nextU32,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next(); // (0, 1]
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    state: () => s,
  };
}

/** A generator for `seed`, with the seed mixed so that nearby seeds give unrelated streams. */
export function makeRng(seed: number, stream = 0): Rng {
  return rngFromState(hash32(seed >>> 0, stream >>> 0, 0x9e3779b9));
}

/**
 * A stateless 32-bit hash of up to three integers (murmur3 finaliser over a combined key).
 * Used for counter-based randomness: the value for (seed, step, index) needs no generator state.
 */
export function hash32(a: number, b = 0, c = 0): number {
  let h = Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^ Math.imul(b + 0x27d4eb2f, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) + c;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Fisher–Yates shuffle of [0, n) with `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Picks one element of a non-empty array. */
export function pick<T>(items: readonly T[], rng: Rng): T {
  if (items.length === 0) throw new Error('pick: empty array');
  return items[rng.int(items.length)]!;
}

/** FNV-1a hash of a string to 32 bits: a stable stream id for named things (parameters, sites). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
