import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes, packageRoot } from '../core/index.js';
import { calibrationSchema, workloadSchema, type Calibration, type Workload } from '../sizing/index.js';

/** The calibration bundled with chatlab: measured by `chatlab calibrate` on this project's machine. */
export const DEFAULT_CALIBRATION = path.join(packageRoot(), 'calibration', 'calibration.json');

/** Workload flags of `chatlab size` and the workload keys they set. */
export const WORKLOAD_FLAGS: Array<{ flag: string; key: keyof Workload; help: string }> = [
  { flag: 'users', key: 'users', help: 'registered users' },
  { flag: 'online-share', key: 'onlineShare', help: 'share of users connected at the peak hour (0.3)' },
  { flag: 'messages-per-day', key: 'messagesPerUserPerDay', help: 'messages sent per user per day (40)' },
  { flag: 'peak-factor', key: 'peakFactor', help: "peak hour's rate ÷ the day's average (3)" },
  { flag: 'friends', key: 'friendsPerUser', help: 'friends per user, told of status changes (50)' },
  { flag: 'status-changes-per-day', key: 'statusChangesPerUserPerDay', help: 'online/offline changes per user per day (10)' },
  { flag: 'reads-per-day', key: 'readsPerUserPerDay', help: 'history pages pulled per user per day (20)' },
  { flag: 'searches-per-day', key: 'searchesPerUserPerDay', help: 'searches per user per day (1)' },
  { flag: 'connects-per-day', key: 'connectsPerUserPerDay', help: '(re)connections per user per day (10)' },
  { flag: 'retention-days', key: 'retentionDays', help: 'days messages are kept (365)' },
  { flag: 'rf', key: 'rf', help: 'replication factor of Cassandra and Kafka (3)' },
  { flag: 'body-bytes', key: 'bodyBytes', help: 'bytes of a message body (150)' },
];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChatlabError(ErrorCodes.CONFIG, `${what} ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ChatlabError(ErrorCodes.CONFIG, `${what} ${file}: not JSON (${(e as Error).message})`);
  }
}

const issuesText = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, name: (p: string) => string) =>
  issues.map((i) => `${i.path.length ? `${name(i.path.map(String).join('.'))}: ` : ''}${i.message}`).join('; ');

/** `--group-mix 2:0.7,10:0.3` → [{size, share}]. */
export function parseGroupMix(text: string): Array<{ size: number; share: number }> {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*:\s*([\d.]+)\s*$/.exec(part);
    if (!m) throw new ChatlabError(ErrorCodes.CONFIG, `--group-mix: expected size:share[,size:share...], e.g. 2:0.7,100:0.3 (got "${text}")`);
    return { size: Number(m[1]), share: Number(m[2]) };
  });
}

/** The workload: the file's fields, then each flag given over them; validated once, here. */
export function workloadFrom(raw: Record<string, unknown>): Workload {
  const base: Record<string, unknown> = {};
  if (typeof raw['workload'] === 'string') {
    const file = readJson(raw['workload'], '--workload');
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new ChatlabError(ErrorCodes.CONFIG, `--workload ${raw['workload']}: expected a JSON object`);
    Object.assign(base, file);
  }
  const fromFlag = new Map<string, string>();
  for (const { flag, key } of WORKLOAD_FLAGS) {
    const v = raw[camel(flag)];
    if (v === undefined) continue;
    const n = Number(v);
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new ChatlabError(ErrorCodes.CONFIG, `--${flag}: expected a number (got "${String(v)}")`);
    base[key] = n;
    fromFlag.set(key, `--${flag}`);
  }
  if (typeof raw['groupMix'] === 'string') {
    base['groupMix'] = parseGroupMix(raw['groupMix']);
    fromFlag.set('groupMix', '--group-mix');
  }
  const parsed = workloadSchema.safeParse(base);
  if (!parsed.success) {
    const where = (key: string) => fromFlag.get(key.split('.')[0]!) ?? (raw['workload'] ? `${String(raw['workload'])}: ${key}` : key);
    throw new ChatlabError(ErrorCodes.CONFIG, `workload: ${issuesText(parsed.error.issues, where)}`);
  }
  return parsed.data;
}

export function loadCalibration(file: string | undefined): { file: string; calibration: Calibration } {
  const f = file ?? DEFAULT_CALIBRATION;
  if (!file && !fs.existsSync(f)) throw new ChatlabError(ErrorCodes.CONFIG, `no bundled calibration at ${f}: run \`chatlab calibrate\` and pass --calibration FILE`);
  const parsed = calibrationSchema.safeParse(readJson(f, '--calibration'));
  if (!parsed.success) throw new ChatlabError(ErrorCodes.CONFIG, `--calibration ${f}: ${issuesText(parsed.error.issues.slice(0, 5), (k) => k)}`);
  return { file: f, calibration: parsed.data };
}
