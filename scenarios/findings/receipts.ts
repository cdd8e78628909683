import { fmtNum, timesApart } from '../../src/core/index.js';
import { noiseClause, spreadOfValues, stated, variantWith, type FindingHook, type RunResult, type VariantResult } from '../../src/scenario/index.js';

/** Cassandra writes per read in each run of a variant (its repeats, or itself). */
const writesPerRead = (v: VariantResult) =>
  (v.repeats && v.repeats.length > 0 ? v.repeats : [v]).flatMap((r) => ((r.measures['reads'] ?? 0) > 0 ? [(r.measures['dbWrites'] ?? 0) / r.measures['reads']!] : []));

const perRead = (v: VariantResult) => spreadOfValues(writesPerRead(v));

/** read-receipts: what write-back saves in database writes, and what it costs in staleness. */
export const receiptsFinding: FindingHook = {
  measures: ['dbWrites', 'reads', 'readsPerDbWrite', 'stalenessMs'],
  state(run: RunResult) {
    const back = variantWith(run, 'receipts', 'write-back');
    const through = variantWith(run, 'receipts', 'write-through');
    const one = (v: VariantResult) => {
      const s = perRead(v);
      if (!s || !(s.median > 0)) return 'no Cassandra write';
      const per = Math.round((1 / s.median) * 10) / 10;
      return per === 1 ? '1 Cassandra write per read' : per < 1 ? `${fmtNum(Math.round(s.median * 10) / 10)} Cassandra writes per read` : `1 Cassandra write per ${fmtNum(per)} reads`;
    };
    if (back && through) {
      const apart = timesApart(perRead(back)?.median ?? 0, perRead(through)?.median ?? 0);
      return (
        `Write-back makes ${one(back)} where write-through makes ${one(through)}${apart ? `, ${apart} ${(perRead(back)?.median ?? 0) < (perRead(through)?.median ?? 0) ? 'fewer' : 'more'} writes` : ''}${noiseClause(run, 'readsPerDbWrite')}; ` +
        `every watermark is stored ${stated(back, 'stalenessMs', 'ms')} after the last read with write-back vs ${stated(through, 'stalenessMs', 'ms')} with write-through.`
      );
    }
    return `${run.variants.map((v) => `${v.name}: ${one(v)} (${stated(v, 'reads')} reads, ${stated(v, 'dbWrites')} writes), watermarks stored ${stated(v, 'stalenessMs', 'ms')} after the last read`).join('; ')}.`;
  },
  chart(run) {
    const bars = run.variants.flatMap((v) => {
      const s = perRead(v);
      return s ? [{ label: v.name, value: Number(s.median.toPrecision(3)), ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
    });
    return bars.length > 0 ? { kind: 'bars', title: 'Cassandra writes per read', yLabel: 'writes per read', bars } : undefined;
  },
};
