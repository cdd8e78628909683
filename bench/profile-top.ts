/**
 * The top of a .cpuprofile: self time per function, as a share of the busy samples; with
 * --by-package, per npm package (or chatlab file): each sample goes to the first frame up its
 * stack that is not node's own (so a syscall counts for the library that made it).
 *   node dist/bench/profile-top.js FILE.cpuprofile [--top 25] [--by-package]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function profileTop(file: string, top = 25): string[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((s, x) => s + x, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((s, [, t]) => s + t, 0);
  const busy = total - idle;
  const byFn = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const where = f.url ? f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '') : '';
    const key = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
  }
  const lines = [`${file}: busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`];
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${((t / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  return lines;
}

export function profileByPackage(file: string, top = 12): string[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = (id: number): string => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const url = byId.get(x)!.callFrame.url;
      const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
      if (pkg) return pkg[1]!;
      if (url.includes('/dist/src/')) return `chatlab:${url.replace(/.*\/dist\/src\//, '')}`;
    }
    return byId.get(id)!.callFrame.functionName || '(native)';
  };
  const out = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const t = p.timeDeltas[i] ?? 0;
    busy += t;
    const k = owner(id);
    out.set(k, (out.get(k) ?? 0) + t);
  });
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => `${((t / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--top');
  const top = i >= 0 ? Number(args[i + 1]) : 25;
  const byPackage = args.includes('--by-package');
  for (const f of args.filter((a, j) => !a.startsWith('--') && (i < 0 || j !== i + 1))) {
    process.stdout.write(`${(byPackage ? [f, ...profileByPackage(f, top)] : profileTop(f, top)).join('\n')}\n\n`);
  }
}
