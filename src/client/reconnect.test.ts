import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { createBackoff } from './backoff.js';
import { type ReconnectTransition, type Scheduler, createReconnector } from './reconnect.js';

/** Timers that fire only when the test moves time. */
class FakeScheduler implements Scheduler<number> {
  now = 0;
  #nextId = 1;
  timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(id: number): void {
    this.timers.delete(id);
  }
  /** Moves time forward, firing due timers in deadline order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

interface Deferred {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function setup(stableAfterMs = 1000) {
  const scheduler = new FakeScheduler();
  const attempts: Deferred[] = [];
  const backoff = createBackoff({ policy: 'exponential', minMs: 100, maxMs: 10_000 }, createRng(1));
  const machine = createReconnector({
    connect: () =>
      new Promise<void>((resolve, reject) => {
        attempts.push({ resolve, reject });
      }),
    backoff,
    scheduler,
    stableAfterMs,
  });
  const events: ReconnectTransition[] = [];
  machine.on((t) => events.push(t));
  const path = () => events.map((e) => e.to);
  const last = () => attempts[attempts.length - 1]!;
  return { scheduler, attempts, backoff, machine, events, path, last };
}

describe('reconnect state machine', () => {
  it('connects from idle and emits each real transition once', async () => {
    const { machine, attempts, events, last } = setup();
    expect(machine.state).toBe('idle');
    machine.connect();
    machine.connect(); // re-entry while connecting: ignored
    expect(attempts).toHaveLength(1);
    last().resolve();
    await flush();
    machine.connect(); // already connected: ignored
    expect(attempts).toHaveLength(1);
    expect(machine.state).toBe('connected');
    expect(events.map((e) => [e.from, e.to])).toEqual([
      ['idle', 'connecting'],
      ['connecting', 'connected'],
    ]);
  });

  it('retries a failed connect after the backoff delay, growing each time', async () => {
    const { machine, attempts, scheduler, events, last } = setup();
    machine.connect();
    last().reject(new Error('refused'));
    await flush();
    expect(machine.state).toBe('waiting');
    expect(events.at(-1)).toMatchObject({ to: 'waiting', delayMs: 100, serverDelay: false });
    expect((events.at(-1)!.error as Error).message).toBe('refused');
    scheduler.advance(99);
    expect(attempts).toHaveLength(1);
    scheduler.advance(1);
    expect(attempts).toHaveLength(2);
    expect(machine.state).toBe('connecting');
    last().reject(new Error('refused'));
    await flush();
    expect(events.at(-1)).toMatchObject({ to: 'waiting', delayMs: 200 });
    expect(machine.attempts).toBe(2);
  });

  it('a failure reported twice (reject, then close event) schedules one retry', async () => {
    const { machine, scheduler, path, last } = setup();
    machine.connect();
    last().reject(new Error('econnreset'));
    await flush();
    machine.onDisconnect({ error: 'close 1006' });
    expect(scheduler.timers.size).toBe(1);
    expect(path()).toEqual(['connecting', 'waiting']);
  });

  it('a drop while connecting wins over the late outcome of that attempt', async () => {
    const { machine, scheduler, path, last } = setup();
    machine.connect();
    const stale = last();
    machine.onDisconnect();
    stale.resolve(); // arrives after the drop: must not mark the client connected
    await flush();
    expect(machine.state).toBe('waiting');
    expect(scheduler.timers.size).toBe(1);
    expect(path()).toEqual(['connecting', 'waiting']);
  });

  it('a drop after a connection was up schedules a retry; extra drop reports are ignored', async () => {
    const { machine, scheduler, path, last } = setup();
    machine.connect();
    last().resolve();
    await flush();
    machine.onDisconnect();
    machine.onDisconnect();
    expect(path()).toEqual(['connecting', 'connected', 'waiting']);
    // Only the retry is pending: the stability timer of the dropped connection is gone.
    expect([...scheduler.timers.values()].map((t) => t.at)).toEqual([100]);
  });

  it('resets the backoff only after a connection stayed up for stableAfterMs', async () => {
    const { machine, scheduler, events, last } = setup(1000);
    machine.connect();
    for (const delay of [100, 200, 400]) {
      last().reject(new Error('down'));
      await flush();
      expect(events.at(-1)!.delayMs).toBe(delay);
      scheduler.advance(delay);
    }
    // Up, but dropped before it proved stable: backoff keeps growing.
    last().resolve();
    await flush();
    scheduler.advance(999);
    machine.onDisconnect();
    expect(events.at(-1)!.delayMs).toBe(800);
    scheduler.advance(800);
    // Up and stable: the next drop starts from the minimum again.
    last().resolve();
    await flush();
    scheduler.advance(1000);
    machine.onDisconnect();
    expect(events.at(-1)!.delayMs).toBe(100);
  });

  it('uses the server-provided afterMs instead of the backoff, once', async () => {
    const { machine, scheduler, attempts, backoff, events, last } = setup();
    machine.connect();
    last().resolve();
    await flush();
    machine.onReconnectFrame(3000);
    machine.onDisconnect({ error: 'close 1012' });
    expect(events.at(-1)).toMatchObject({ to: 'waiting', delayMs: 3000, serverDelay: true });
    expect(backoff.attempt).toBe(0); // a planned restart is not a failure
    scheduler.advance(2999);
    expect(attempts).toHaveLength(1);
    scheduler.advance(1);
    expect(attempts).toHaveLength(2);
    // The hint was used up: the next failure backs off normally.
    last().reject(new Error('still restarting'));
    await flush();
    expect(events.at(-1)).toMatchObject({ delayMs: 100, serverDelay: false });
  });

  it('accepts afterMs directly on the disconnect report', async () => {
    const { machine, events, last } = setup();
    machine.connect();
    last().resolve();
    await flush();
    machine.onDisconnect({ afterMs: 250 });
    expect(events.at(-1)).toMatchObject({ delayMs: 250, serverDelay: true });
  });

  it('close() while waiting cancels the retry and stops for good', async () => {
    const { machine, scheduler, attempts, path, last } = setup();
    machine.connect();
    last().reject(new Error('down'));
    await flush();
    machine.close();
    machine.close();
    expect(scheduler.timers.size).toBe(0);
    scheduler.advance(60_000);
    machine.connect();
    machine.onDisconnect();
    expect(attempts).toHaveLength(1);
    expect(machine.state).toBe('closed');
    expect(path()).toEqual(['connecting', 'waiting', 'closed']);
  });

  it('close() while connecting ignores the attempt that later succeeds', async () => {
    const { machine, scheduler, path, last } = setup();
    machine.connect();
    machine.close();
    last().resolve();
    await flush();
    expect(machine.state).toBe('closed');
    expect(scheduler.timers.size).toBe(0); // no stability timer either
    expect(path()).toEqual(['connecting', 'closed']);
  });

  it('a listener that closes the machine on `waiting` leaves no timer behind', async () => {
    const { machine, scheduler, last } = setup();
    machine.on((t) => {
      if (t.to === 'waiting') machine.close();
    });
    machine.connect();
    last().reject(new Error('down'));
    await flush();
    expect(machine.state).toBe('closed');
    expect(scheduler.timers.size).toBe(0);
  });

  it('treats a connect() that throws synchronously as a failed attempt', () => {
    const scheduler = new FakeScheduler();
    const machine = createReconnector({
      connect: () => {
        throw new Error('bad url');
      },
      backoff: createBackoff({ policy: 'none', minMs: 0, maxMs: 0 }, createRng(1)),
      scheduler,
    });
    machine.connect();
    return flush().then(() => {
      expect(machine.state).toBe('waiting');
      expect(scheduler.timers.size).toBe(1);
    });
  });

  it('stops notifying a listener once it unsubscribes', async () => {
    const { machine, last } = setup();
    const seen: string[] = [];
    const off = machine.on((t) => seen.push(t.to));
    machine.connect();
    off();
    last().resolve();
    await flush();
    expect(seen).toEqual(['connecting']);
  });
});
