import { figureOf, FIGURES, PER_KIND, PROCESS_KINDS, type Calibration, type Figure, type FigureName, type PerKindName } from './calibration.js';
import { gatewaysReached } from './demand.js';
import { fitUsl } from './usl.js';

/** Samples of one calibration variant, by name (`fan.gatewayUs`, `kafkaUsPerMessage`, …). */
export type VariantSamples = Record<string, number[]>;

/** `name#i` measures of a run back into sample lists. */
export function decodeSamples(measures: Record<string, number>): VariantSamples {
  const out: VariantSamples = {};
  for (const [k, v] of Object.entries(measures)) {
    const m = /^(.+)#(\d+)$/.exec(k);
    if (m) (out[m[1]!] ??= [])[Number(m[2])] = v;
  }
  return out;
}

/** Solves [a1 b1; a2 b2]·[x; y] = [c1; c2]; null when singular. */
export function solve2(a1: number, b1: number, c1: number, a2: number, b2: number, c2: number): [number, number] | null {
  const det = a1 * b2 - a2 * b1;
  if (Math.abs(det) < 1e-9) return null;
  return [(c1 * b2 - c2 * b1) / det, (a1 * c2 - a2 * c1) / det];
}

const at = (s: VariantSamples, k: string, i: number): number => s[k]?.[i] ?? NaN;

/**
 * Least squares: the x minimizing |A·x − y|² (normal equations, Gauss–Jordan with pivoting).
 * A column that is 0 in every row is left out and gets 0 (nothing measured it); null when the
 * other columns are dependent or there are fewer rows than unknowns.
 */
export function leastSquares(rows: number[][], ys: number[]): number[] | null {
  const width = rows[0]?.length ?? 0;
  const used = Array.from({ length: width }, (_, j) => j).filter((j) => rows.some((r) => r[j] !== 0));
  if (used.length === 0 || rows.length < used.length) return null;
  const k = used.length;
  const m = used.map((i) => [...used.map((j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)), rows.reduce((s, r, n) => s + r[i]! * ys[n]!, 0)]);
  const scale = Math.max(...m.map((r, i) => Math.abs(r[i]!)));
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) <= 1e-9 * scale) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  const x = new Array<number>(width).fill(0);
  used.forEach((j, i) => (x[j] = m[i]![k]! / m[i]![i]!));
  return x;
}

/** Rows of `prefix.<column>` samples and each kind's `prefix.<kind>` CPU, from several variants. */
function rowsOf(variants: VariantSamples[], prefix: string, columns: string[], kind: string): { rows: number[][]; ys: number[] } {
  const rows: number[][] = [];
  const ys: number[] = [];
  for (const v of variants) {
    for (let i = 0; i < (v[`${prefix}.${kind}`]?.length ?? 0); i++) {
      const row = columns.map((c) => at(v, `${prefix}.${c}`, i));
      const y = at(v, `${prefix}.${kind}`, i);
      if ([...row, y].every(Number.isFinite)) {
        rows.push(row);
        ys.push(y);
      }
    }
  }
  return { rows, ys };
}

/**
 * Each kind's CPU of a set of windows as a sum of costs per counted thing (columns): the fit
 * over every variant's windows is the figure, the fits of each variant alone its range.
 */
export function perKindCosts(variants: VariantSamples[], prefix: string, columns: string[]): Record<string, Figure[]> {
  const out: Record<string, Figure[]> = {};
  for (const kind of PROCESS_KINDS) {
    const all = rowsOf(variants, prefix, columns, kind);
    const x = leastSquares(all.rows, all.ys);
    if (!x) continue;
    const each = variants.map((v) => rowsOf([v], prefix, columns, kind)).map((r) => leastSquares(r.rows, r.ys)).filter((e): e is number[] => e !== null);
    out[kind] = x.map((value, j) => fitted(Math.max(0, value), each.map((e) => Math.max(0, e[j]!))));
    for (const f of out[kind]!) f.n = all.rows.length;
  }
  return out;
}

/**
 * Gateway CPU of the fan-out windows (groups: many frames per send) and the direct windows (one
 * frame per send) as two equations per window pair: G = s·sends + f·frames. Returns f and s samples.
 */
export function frameAndSendCosts(v: VariantSamples): { perFrame: number[]; perSend: number[]; fit: [number, number] | null } {
  const rows = (['fan', 'dir'] as const).flatMap((t) => (v[`${t}.gatewayUs`] ?? []).map((_, i) => ({ m: at(v, `${t}.sent`, i), f: at(v, `${t}.frames`, i), g: at(v, `${t}.gatewayUs`, i) }))).filter((r) => [r.m, r.f, r.g].every(Number.isFinite));
  // least squares over every window (noise in one window moves it less than a paired solve)
  const smm = rows.reduce((a, r) => a + r.m * r.m, 0);
  const sff = rows.reduce((a, r) => a + r.f * r.f, 0);
  const smf = rows.reduce((a, r) => a + r.m * r.f, 0);
  const smg = rows.reduce((a, r) => a + r.m * r.g, 0);
  const sfg = rows.reduce((a, r) => a + r.f * r.g, 0);
  const fit = solve2(smm, smf, smg, smf, sff, sfg);
  const n = Math.min(v['fan.gatewayUs']?.length ?? 0, v['dir.gatewayUs']?.length ?? 0);
  const perFrame: number[] = [];
  const perSend: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = solve2(at(v, 'fan.sent', i), at(v, 'fan.frames', i), at(v, 'fan.gatewayUs', i), at(v, 'dir.sent', i), at(v, 'dir.frames', i), at(v, 'dir.gatewayUs', i));
    if (x) {
      perSend.push(Math.max(0, x[0]));
      perFrame.push(Math.max(0, x[1]));
    }
  }
  return { perFrame, perSend, fit: fit ? [Math.max(0, fit[0]), Math.max(0, fit[1])] : null };
}

/** The least-squares value with the paired solves' range as its spread. */
export function fitted(value: number | undefined, pairs: number[]): Figure {
  const f = figureOf(pairs);
  if (value === undefined) return f;
  return { value, min: Math.min(f.min, value), max: Math.max(f.max, value), n: f.n };
}

/**
 * Redis CPU = s·sends + p·publishes + d·deliveries: a send also appends to the conversation's
 * recent stream and sets its keys, whatever the routing. The inbox windows deliver once per
 * frame, the group windows once per gateway holding a member; the fan-out (groups) and direct
 * windows of both routings give s, p and d (least squares over every window; each repeat's
 * windows alone for the range). Without direct windows, a fan-out window of each routing gives
 * p and d with s = 0.
 */
export function redisCosts(inbox: VariantSamples, group: VariantSamples, groupSize: number, gateways: number): { perSend: number[]; perPublish: number[]; perDelivery: number[]; framesPerGatewayMessage: number[]; fit: number[] | null } {
  const n = Math.min(inbox['fan.redisUs']?.length ?? 0, group['fan.redisUs']?.length ?? 0);
  const perSend: number[] = [];
  const perPublish: number[] = [];
  const perDelivery: number[] = [];
  const framesPerGatewayMessage: number[] = [];
  const reached = gatewaysReached(groupSize, gateways);
  // one window: [sends, publishes, deliveries] and its Redis CPU
  const windowRow = (v: VariantSamples, t: 'fan' | 'dir', i: number, deliveries: number) => ({ row: [at(v, `${t}.sent`, i), at(v, `${t}.publishes`, i), deliveries], y: at(v, `${t}.redisUs`, i) });
  const rowsAt = (i: number) =>
    [
      windowRow(inbox, 'fan', i, at(inbox, 'fan.frames', i)),
      windowRow(group, 'fan', i, at(group, 'fan.sent', i) * reached),
      windowRow(inbox, 'dir', i, at(inbox, 'dir.frames', i)),
      windowRow(group, 'dir', i, at(group, 'dir.sent', i) * gatewaysReached(2, gateways)),
    ].filter((r) => [...r.row, r.y].every(Number.isFinite));
  const all: Array<{ row: number[]; y: number }> = [];
  for (let i = 0; i < n; i++) {
    framesPerGatewayMessage.push(at(group, 'fan.frames', i) / (at(group, 'fan.sent', i) * reached));
    const rows = rowsAt(i);
    all.push(...rows);
    const x = rows.length >= 3 ? leastSquares(rows.map((r) => r.row), rows.map((r) => r.y)) : null;
    const pd = x ? [x[1]!, x[2]!] : rows.length >= 2 ? solve2(rows[0]!.row[1]!, rows[0]!.row[2]!, rows[0]!.y, rows[1]!.row[1]!, rows[1]!.row[2]!, rows[1]!.y) : null;
    if (pd) {
      perSend.push(Math.max(0, x?.[0] ?? 0));
      perPublish.push(Math.max(0, pd[0]!));
      perDelivery.push(Math.max(0, pd[1]!));
    }
  }
  const fit = all.length >= 3 && all.length > n * 2 ? leastSquares(all.map((r) => r.row), all.map((r) => r.y)) : null;
  return { perSend, perPublish, perDelivery, framesPerGatewayMessage, fit: fit ? fit.map((v) => Math.max(0, v)) : null };
}

/**
 * The per-kind figures: idle windows (µs per second, per process), conversation set-up
 * windows (per conversation and per member), connect and flap windows (per connect, per
 * conversation synced on a reconnect, per presence notification; the last is the presence
 * server's figure).
 */
export function perKindFigures(variants: VariantSamples[]): Record<PerKindName, Record<string, Figure>> & { presenceUsPerNotification?: Figure } {
  const baselineUsPerSec: Record<string, Figure> = {};
  for (const kind of PROCESS_KINDS) {
    const samples = variants.flatMap((v) => v[`idle.${kind}`] ?? []);
    if (samples.length > 0) baselineUsPerSec[kind] = figureOf(samples);
  }
  const setup = perKindCosts(variants, 'setup', ['conversations', 'members']);
  const conn = perKindCosts(variants, 'conn', ['connects', 'flaps', 'syncs', 'notifications']);
  const pick = (m: Record<string, Figure[]>, j: number) => Object.fromEntries(Object.entries(m).map(([k, f]) => [k, f[j]!]));
  return {
    baselineUsPerSec,
    perConversationUs: pick(setup, 0),
    perMemberUs: pick(setup, 1),
    perHandshakeUs: pick(conn, 0),
    perFlapUs: pick(conn, 1),
    perSyncUs: pick(conn, 2),
    ...(conn['presence'] ? { presenceUsPerNotification: conn['presence'][3]! } : {}),
  };
}

const dropNote = (notes: string[], figure: string) => {
  const i = notes.findIndex((n) => n.startsWith(`${figure}: not measured`));
  if (i >= 0) notes.splice(i, 1);
};

export interface DeriveInput {
  inbox: VariantSamples;
  group: VariantSamples;
  groupSize: number;
  machine: Calibration['machine'];
  versions: Record<string, string>;
  measuredAt: string;
}

/** The calibration file's figures from both variants' samples; a figure no step measured is 0 and named in the notes. */
export function deriveCalibration(o: DeriveInput): Calibration {
  const gateways = o.group['gateways']?.[0] ?? 2;
  const fi = frameAndSendCosts(o.inbox);
  const fg = frameAndSendCosts(o.group);
  const r = redisCosts(o.inbox, o.group, o.groupSize, gateways);
  const both = (k: string) => [...(o.group[k] ?? []), ...(o.inbox[k] ?? [])];
  const samples: Partial<Record<FigureName, number[]>> = {
    gatewayUsPerFrameInbox: fi.perFrame,
    gatewayUsPerFrameGroup: fg.perFrame,
    gatewayUsPerSend: [...fi.perSend, ...fg.perSend],
    redisUsPerSend: r.perSend,
    redisUsPerPublish: r.perPublish,
    redisUsPerDelivery: r.perDelivery,
    groupFramesPerGatewayMessage: r.framesPerGatewayMessage,
    gatewayKneeFramesPerSec: o.group['usl.1'] ?? [],
  };
  for (const k of Object.keys(FIGURES) as FigureName[]) if (!samples[k]) samples[k] = both(k);
  const notes: string[] = [];
  const figures = {} as Record<FigureName, Figure>;
  for (const k of Object.keys(FIGURES) as FigureName[]) {
    const v = samples[k] ?? [];
    if (v.filter(Number.isFinite).length === 0) notes.push(`${k}: not measured (0 in the model): ${FIGURES[k]}`);
    figures[k] = figureOf(v);
  }
  // one serialized message: the Cassandra data folder holds memtables until a flush, so its growth reads 0 in a short run
  if (figures.cassandraBytesPerMessage.value === 0 && figures.kafkaBytesPerMessage.value > 0) {
    figures.cassandraBytesPerMessage = { ...figures.kafkaBytesPerMessage };
    dropNote(notes, 'cassandraBytesPerMessage');
    notes.push('cassandraBytesPerMessage: the data folder did not grow (memtables not flushed in a short run); taken as the Kafka log bytes per message (the same record serialized)');
  }
  // inline presence: the sender's gateway publishes to each friend itself, one inbox publish and frame each
  if (figures.gatewayUsPerPresenceInline.value === 0 && figures.gatewayUsPerFrameInbox.value > 0) {
    figures.gatewayUsPerPresenceInline = { ...figures.gatewayUsPerFrameInbox };
    dropNote(notes, 'gatewayUsPerPresenceInline');
    notes.push('gatewayUsPerPresenceInline: not measured separately; taken as the inbox per-frame cost (one publish per friend)');
  }
  figures.gatewayUsPerFrameInbox = fitted(fi.fit?.[1], fi.perFrame);
  figures.gatewayUsPerFrameGroup = fitted(fg.fit?.[1], fg.perFrame);
  if (fi.fit && fg.fit) figures.gatewayUsPerSend = fitted((fi.fit[0] + fg.fit[0]) / 2, [...fi.perSend, ...fg.perSend]);
  if (r.fit) {
    figures.redisUsPerSend = fitted(r.fit[0], r.perSend);
    figures.redisUsPerPublish = fitted(r.fit[1], r.perPublish);
    figures.redisUsPerDelivery = fitted(r.fit[2], r.perDelivery);
  }
  const perKind = perKindFigures([o.group, o.inbox]);
  if (perKind.presenceUsPerNotification) {
    figures.presenceUsPerNotification = perKind.presenceUsPerNotification;
    dropNote(notes, 'presenceUsPerNotification');
    notes.push('presenceUsPerNotification: fitted with the per-connect and per-sync costs over the connect and flap windows (not the connect burst alone)');
  }
  if (perKind.perHandshakeUs['gateway']) figures.gatewayUsPerHandshake = perKind.perHandshakeUs['gateway'];
  const points = [1, 2, 3].flatMap((n) => (o.group[`usl.${n}`] ?? []).filter((x) => x > 0).map((throughput) => ({ n, throughput })));
  const usl = points.some((p) => p.n === 1) ? { points, ...fitUsl(points) } : { points, sigma: 0, kappa: 0, lambda: 0 };
  for (const k of Object.keys(PER_KIND) as PerKindName[]) if (Object.keys(perKind[k]).length === 0) notes.push(`${k}: not measured (0 in the model): ${PER_KIND[k]}`);
  const byKind = Object.fromEntries((Object.keys(PER_KIND) as PerKindName[]).map((k) => [k, perKind[k]])) as Record<PerKindName, Record<string, Figure>>;
  return { schema: 1, measuredAt: o.measuredAt, machine: o.machine, versions: o.versions, figures, ...byKind, usl, notes, raw: { inbox: o.inbox, group: o.group } };
}
