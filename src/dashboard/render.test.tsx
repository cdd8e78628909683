import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixtureDashboardState } from '../../test/fixtures/dashboard-state.js';
import { renderDashboard } from './render.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

class TtyStdout extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 60;
  out = '';
  write = (s: string) => ((this.out += s), true);
}
/** Enough of a TTY stdin for ink's raw-mode input (same shape as ink-testing-library's). */
class TtyStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  press(s: string) {
    this.data = s;
    this.emit('readable');
  }
}

describe('renderDashboard', () => {
  afterEach(() => vi.useRealTimers());

  it('off a TTY prints one plain line every few seconds, and a last one on stop', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const state = fixtureDashboardState();
    const handle = renderDashboard(() => state, { tty: false, plainEveryMs: 5000, write: (l) => lines.push(l) });
    expect(handle.mode).toBe('plain');
    vi.advanceTimersByTime(4999);
    expect(lines).toHaveLength(0);
    vi.advanceTimersByTime(1);
    state.header.uptimeMs += 5000;
    vi.advanceTimersByTime(5000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^12:41 conns=10000 sent=1204\/s deliv=96310\/s/);
    expect(lines[1]).toMatch(/^12:46 /);
    handle.stop();
    handle.stop();
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
  });

  it('on a TTY mounts ink, redraws from getState and calls onQuit once on q', async () => {
    const stdout = new TtyStdout();
    const stdin = new TtyStdin();
    const state = fixtureDashboardState();
    const onQuit = vi.fn();
    const handle = renderDashboard(() => state, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      refreshMs: 20,
      onQuit,
    });
    try {
      expect(handle.mode).toBe('ink');
      await vi.waitFor(() => expect(stripAnsi(stdout.out)).toContain('10,000 open'), { timeout: 5000, interval: 20 });
      state.connections.open = 9_876;
      await vi.waitFor(() => expect(stripAnsi(stdout.out)).toContain('9,876 open'), { timeout: 5000, interval: 20 });
      stdin.press('q');
      await sleep(20);
      stdin.press('q');
      await sleep(20);
      expect(onQuit).toHaveBeenCalledTimes(1);
    } finally {
      handle.stop();
      handle.stop();
    }
  });
});
