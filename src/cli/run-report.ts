import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from '../scenario/index.js';

/** Writes the run folder: report.json always; md/html/junit through src/report when present. */
export async function writeRunReport(result: RunResult, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  try {
    const report = (await import('../report/index.js')) as unknown as { writeReport?: (r: RunResult, d: string) => Promise<unknown> | unknown };
    if (report.writeReport) {
      await report.writeReport(result, dir);
      return;
    }
  } catch {
    // fall through: JSON alone
  }
  fs.writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(result, null, 2)}\n`);
}
