import { ChatlabError, ErrorCodes } from './errors.js';

/**
 * Randomness is injected (docs/architecture.md#conventions): a run with the same seed makes the same
 * jitter, the same picks and the same fault timings, so a failing scenario can be replayed.
 * Math.random cannot be seeded, hence this small generator.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
  /**
   * An independent generator derived from this one's seed and a label. Lets each simulated
   * client own its stream, so adding a client or reordering calls does not shift the others.
   */
  fork(label: string | number): Rng;
}

/**
 * cyrb128: spreads a string over four 32-bit words. sfc32 needs a well-mixed state; seeding it
 * with small neighbouring integers directly would give visibly correlated first outputs.
 */
function hashSeed(text: string): [number, number, number, number] {
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
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * A deterministic generator. Numbers and strings are both hashed through their decimal /
 * literal text, so `createRng(7)` and `createRng('7')` are the same stream (a seed given on the
 * command line as text reproduces a seed written in a scenario file as a number).
 */
export function createRng(seed: number | string): Rng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) {
    throw new ChatlabError(ErrorCodes.CONFIG, `RNG seed must be a finite number or a string, got ${seed}`);
  }
  return new Sfc32(String(seed));
}

/**
 * sfc32: fast, passes PractRand to large sizes, 128-bit state (period far beyond any run).
 * A class rather than closures: a load worker holds one per simulated client.
 */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(private readonly seedText: string) {
    [this.a, this.b, this.c, this.d] = hashSeed(seedText);
    // Drop a few outputs: the first draws of sfc32 still echo the seed words a little.
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const a = this.a | 0;
    const b = this.b | 0;
    let c = this.c | 0;
    const d = this.d | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    this.c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
      throw new ChatlabError(ErrorCodes.CONFIG, `rng.int needs integers min <= max, got [${min}, ${max}]`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, 'rng.pick needs a non-empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  fork(label: string | number): Rng {
    return new Sfc32(`${this.seedText}\u0000${String(label)}`);
  }
}
