import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixtureDashboardState } from '../../test/fixtures/dashboard-state.js';
import { Dashboard } from './Dashboard.js';
import { emptyDashboardState, mergeDashboardState } from './state.js';

const tick = () => new Promise((r) => setTimeout(r, 20));
/** Ticks until `done` holds (at most 2 s): for a redraw whose delay is not ours to force. */
const frameWhere = async (done: () => boolean) => {
  for (let i = 0; i < 100 && !done(); i++) await tick();
};

/** ink-testing-library fixes 100 columns and a TTY stdin; these fakes vary both. */
class FakeStdout extends EventEmitter {
  frames: string[] = [];
  constructor(readonly columns: number) {
    super();
  }
  write = (s: string) => (this.frames.push(s), true);
}
class FakeStdin extends EventEmitter {
  constructor(readonly isTTY: boolean) {
    super();
  }
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => null;
}
function renderAt(columns: number, el: React.ReactElement, tty = false) {
  const stdout = new FakeStdout(columns);
  const app = inkRender(el, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: new FakeStdin(tty) as unknown as NodeJS.ReadStream, debug: true, patchConsole: false, exitOnCtrlC: false });
  return { frame: () => stdout.frames.at(-1) ?? '', app };
}

describe('<Dashboard>', () => {
  const level = chalk.level;
  afterEach(() => {
    chalk.level = level;
  });

  it('shows the numbers of every panel', () => {
    const { lastFrame, unmount } = render(<Dashboard state={fixtureDashboardState()} />);
    const f = lastFrame()!;
    unmount();
    const expected = [
      'chatlab · up 00:12:41 · native · 2 gateways · run thundering-herd',
      'q quit  ? help',
      '10,000 open',
      'reconnecting 412/s failed 0',
      'sent 1,204/s delivered 96,310/s',
      'p50 2.1 p99 18.4 ✖ p99.9 41 max 88',
      'publishes 1,204/s',
      'inbox 1,100 group 104',
      'produced 1,204/s lag 312',
      'persisted 1,190/s',
      'events 2,100/s notif 8,400/s',
      'writes 120/s (18× less)',
      'db writes 12/s (417× less)',
      'gateway-1     38% cpu  212 MB 5,012 conns  healthy',
      'gateway-2       — cpu       —              killed (SIGKILL at 00:10:02)',
      'persist        9% cpu  140 MB lag 312      healthy',
      'redis ok · kafka ok · cassandra ok',
      '10:02 ✖ kill -9 gateway-2',
      '✔ lost == 0 (0)   ✖ FAILED p99 < 15 (18.4)',
    ];
    for (const s of expected) expect(f).toContain(s);
    // sparklines are drawn from the histories
    expect(f).toMatch(/10,000 open [▁▂▃▄▅▆▇█]{20,}/);
  });

  it('turns a broken threshold red at once, on its own number', () => {
    chalk.level = 1;
    const state = fixtureDashboardState();
    const { lastFrame, rerender, unmount } = render(<Dashboard state={{ ...state, thresholds: [] }} />);
    expect(lastFrame()).not.toContain('✖ FAILED');
    expect(lastFrame()).not.toMatch(/\u001b\[31m18\.4/);
    // the threshold breaks mid-run: the next frame already shows it
    rerender(<Dashboard state={state} />);
    const f = lastFrame()!;
    unmount();
    expect(f).toMatch(/p99 \u001b\[1m\u001b\[31m18\.4 ✖/);
    expect(f).toMatch(/\u001b\[31m✖ FAILED p99 < 15 \(18\.4\)/);
    // p50 is fine and not red
    expect(f).toMatch(/p50 \u001b\[1m2\.1\u001b\[22m/);
  });

  it('opens the help overlay on ? and closes it on ? again or Esc; q quits', async () => {
    const onQuit = vi.fn();
    const { lastFrame, stdin, unmount } = render(<Dashboard state={fixtureDashboardState()} onQuit={onQuit} />);
    await tick();
    stdin.write('?');
    await tick();
    expect(lastFrame()).toContain('q, Ctrl-C quit (chatlab up then stops the stack)');
    expect(lastFrame()).not.toContain('Connections');
    stdin.write('\u001b');
    // ink tells a lone Esc from the start of an escape sequence only after a pause: on a busy
    // machine that outlasts one tick, so wait for the frame instead of a fixed time
    await frameWhere(() => !lastFrame()!.includes('Ctrl-C quit'));
    expect(lastFrame()).not.toContain('Ctrl-C quit');
    expect(lastFrame()).toContain('Connections');
    stdin.write('?');
    await tick();
    stdin.write('?');
    await tick();
    expect(lastFrame()).not.toContain('Ctrl-C quit');
    stdin.write('q');
    await tick();
    expect(onQuit).toHaveBeenCalledTimes(1);
    stdin.write('\u0003'); // Ctrl-C
    await tick();
    expect(onQuit).toHaveBeenCalledTimes(2);
    unmount();
  });

  it('works with no TTY on stdin: no key hints, no raw mode', () => {
    const { frame, app } = renderAt(100, <Dashboard state={fixtureDashboardState()} />);
    const f = frame();
    app.unmount();
    expect(f).toContain('10,000 open');
    expect(f).not.toContain('q quit');
  });

  it('adapts to the terminal width', () => {
    const rowsWith = (f: string, a: string, b: string) => f.split('\n').some((l) => l.includes(a) && l.includes(b));
    const wide = renderAt(160, <Dashboard state={fixtureDashboardState()} />, true);
    const w = wide.frame();
    wide.app.unmount();
    expect(w.split('\n')[0]).toMatch(/^chatlab · up 00:12:41 .* phase 2\/3 gateway-kill +q quit {2}\? help$/);
    expect(rowsWith(w, 'Connections', 'Latency send→deliver')).toBe(true);
    expect(rowsWith(w, 'Hot path · Redis', 'Receipts')).toBe(true);
    expect(Math.max(...w.split('\n').map((l) => l.length))).toBeLessThanOrEqual(160);
    const narrow = renderAt(60, <Dashboard state={fixtureDashboardState()} />);
    const n = narrow.frame();
    narrow.app.unmount();
    expect(rowsWith(n, 'Connections', 'Messages')).toBe(false);
    expect(Math.max(...n.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
    if (process.env['CHATLAB_SCREENSHOTS'] === '1') fs.writeFileSync(path.resolve('docs/dashboard-frame.txt'), `${w}\n`);
  });

  it('renders an empty state without crashing (before the first poll)', () => {
    const { lastFrame, unmount } = render(<Dashboard state={mergeDashboardState(emptyDashboardState(), { header: { provider: 'native', gateways: 2 } })} />);
    const f = lastFrame()!;
    unmount();
    expect(f).toContain('native · 2 gateways');
    expect(f).toContain('p50 — p99 — p99.9 — max —');
    expect(f).toContain('no processes known yet');
    expect(f).not.toContain('Thresholds');
  });
});
