import { describe, expect, it } from 'vitest';
import { KafkaRequestQueue } from './kafka.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
type Queue = { pending: unknown[]; checkPendingRequests(): void; throttledUntil: number; throttleCheckTimeoutId: NodeJS.Timeout | null };
const newQueue = (): Queue => new (KafkaRequestQueue as unknown as new (o: object) => Queue)({ maxInFlightRequests: 1, requestTimeout: 1000, enforceRequestTimeout: false, clientId: 't', broker: 'b:1', logger: quiet });

describe('kafkajs request queue (src/store/kafka.ts)', () => {
  it('an idle connection runs no timer loop: after a check with nothing pending, no further check is scheduled', async () => {
    const q = newQueue();
    let checks = 0;
    const check = q.checkPendingRequests.bind(q);
    q.checkPendingRequests = () => {
      checks++;
      check();
    };
    q.checkPendingRequests(); // what every response does
    await new Promise((r) => setTimeout(r, 100));
    // unpatched kafkajs 2.2.4 re-schedules at a negative delay: about one check per millisecond
    expect(checks).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('a request waiting behind a throttle still gets its check when the throttle ends', () => {
    const q = newQueue();
    q.throttledUntil = Date.now() + 50;
    q.pending.push({});
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(q.throttleCheckTimeoutId!);
  });
});
