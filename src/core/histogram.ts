// The pure-JS parts of hdr-histogram-js only: its index also loads the WebAssembly build
// (a large inlined module), ~8 MB of RSS in every process, load workers included
import { createRequire } from 'node:module';
import type { JsHistogram as Histogram } from 'hdr-histogram-js/dist/JsHistogram.js';
import { ChatlabError, ErrorCodes } from './errors.js';

// CommonJS through require, not an ES import: importing hdr's CommonJS files added ~9 MB of
// RSS to a process, required 0.5 MB (measured on Node 20)
const requireCjs = createRequire(import.meta.url);
const { JsHistogram } = requireCjs('hdr-histogram-js/dist/JsHistogram.js') as typeof import('hdr-histogram-js/dist/JsHistogram.js');
const { decompress } = requireCjs('hdr-histogram-js/dist/JsHistogram.encoding.js') as typeof import('hdr-histogram-js/dist/JsHistogram.encoding.js');
const Float64Histogram = (requireCjs('hdr-histogram-js/dist/Float64Histogram.js') as {
  default: new (lowestDiscernibleValue: number, highestTrackableValue: number, significantDigits: number) => Histogram;
}).default;

/** What reports show (docs/architecture.md#conventions): percentiles and max, in milliseconds, never a mean alone. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** 1 hour in µs: anything slower is a hung message, not a latency worth resolving. */
export const HISTOGRAM_HIGHEST_MICROS = 3_600_000_000;

function newHdr(): Histogram {
  // Pure JS build: the WASM one needs an async init and its memory is not freed by GC,
  // which a short-lived worker process would leak per histogram.
  // what hdr-histogram-js's build({ bitBucketSize: 64 }) makes
  const h = new Float64Histogram(1, HISTOGRAM_HIGHEST_MICROS, 3);
  h.autoResize = true;
  return h;
}

/**
 * Latency histogram recorded in microseconds (ms would lose sub-ms resolution on a local
 * stack), reported in milliseconds. Each load worker keeps one and ships `encode()` to the
 * engine, which merges them, so percentiles are over all samples, not an average of averages.
 */
export class LatencyHistogram {
  #hdr: Histogram;
  /**
   * Samples outside [0, 1h] that were clamped; non-zero means clocks or the run misbehaved.
   * Local to this process: the HdrHistogram encoding has no field for it, so ship it beside encode().
   */
  #clamped = 0;

  private constructor(hdr: Histogram) {
    this.#hdr = hdr;
  }

  static create(): LatencyHistogram {
    return new LatencyHistogram(newHdr());
  }

  /** Inverse of encode(); throws a CHATLAB_E_BAD_REQUEST error on text that is not an encoded histogram. */
  static decode(encoded: string): LatencyHistogram {
    let decoded: Histogram;
    try {
      decoded = JsHistogram.decode(decompress(Buffer.from(encoded.trim(), 'base64')), 64);
    } catch (err) {
      throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'not an encoded latency histogram', { cause: err });
    }
    // Re-add into our own layout so merges and the trackable range never depend on the sender.
    const out = LatencyHistogram.create();
    out.#hdr.add(decoded);
    return out;
  }

  /**
   * Records one latency in µs. Under load a bad sample is counted, not thrown (docs/architecture.md#conventions):
   * negative values (clock skew between processes) clamp to 0, huge ones to 1h.
   */
  record(micros: number): void {
    let value = Math.round(micros);
    if (!Number.isFinite(value)) {
      this.#clamped++;
      return;
    }
    if (value < 0) {
      value = 0;
      this.#clamped++;
    } else if (value > HISTOGRAM_HIGHEST_MICROS) {
      value = HISTOGRAM_HIGHEST_MICROS;
      this.#clamped++;
    }
    this.#hdr.recordValue(value);
  }

  /** Convenience for callers holding Date.now() differences. */
  recordMs(ms: number): void {
    this.record(ms * 1000);
  }

  get count(): number {
    return this.#hdr.totalCount;
  }

  get clamped(): number {
    return this.#clamped;
  }

  merge(other: LatencyHistogram | string): void {
    const source = typeof other === 'string' ? LatencyHistogram.decode(other) : other;
    this.#hdr.add(source.#hdr);
    this.#clamped += source.#clamped;
  }

  /** Base64 of HdrHistogram's compressed V2 encoding, readable by any HdrHistogram port. */
  encode(): string {
    return this.#hdr.encodeIntoCompressedBase64();
  }

  summary(): LatencySummary {
    const h = this.#hdr;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    const ms = (micros: number) => micros / 1000;
    return {
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      // Not h.maxValue: that is exact when recorded here but bucket-rounded after decode/add,
      // so the same samples would report a different max depending on where they were recorded.
      max: ms(h.getValueAtPercentile(100)),
    };
  }

  reset(): void {
    this.#hdr.reset();
    this.#clamped = 0;
  }
}

export function createLatencyHistogram(): LatencyHistogram {
  return LatencyHistogram.create();
}
