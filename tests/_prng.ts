/**
 * A small seeded pseudo-random generator for property tests and fuzzing
 * (mulberry32): the same seed gives the same sequence, so a failure names
 * its seed and reruns exactly. Set `FLIGHTLOG_SEED` to replay one.
 *
 * @module
 */

/** A seeded generator with the few draws tests need. */
export class Prng {
  /** The seed this generator started from (print it on failure). */
  readonly seed: number;
  #state: number;

  /** A generator from `seed` (default: `FLIGHTLOG_SEED` or a random one). */
  constructor(seed: number = defaultSeed()) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    const chars = [...alphabet];
    let out = "";
    for (let i = 0; i < length; i++) out += this.pick(chars);
    return out;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

function defaultSeed(): number {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("FLIGHTLOG_SEED");
  } catch { /* no env permission: a random seed */ }
  return fromEnv !== undefined && /^\d+$/.test(fromEnv)
    ? Number(fromEnv)
    : crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * Runs `body` for `runs` generators drawn from one seeded generator, and
 * names the seed in any failure, so that `FLIGHTLOG_SEED=<seed>` replays it.
 */
export function forAll(
  runs: number,
  body: (rng: Prng, run: number) => void,
  seed?: number,
): void {
  const root = new Prng(seed);
  for (let run = 0; run < runs; run++) {
    const rng = new Prng(root.int(0, 2 ** 32 - 1));
    try {
      body(rng, run);
    } catch (e) {
      throw new Error(
        `property failed at run ${run} (FLIGHTLOG_SEED=${root.seed}): ${e}`,
        { cause: e },
      );
    }
  }
}
