/** The probe after `unavailable`: 0.5 s doubling to 8 s, with jitter (a refusal storm must thin out). */
export function resendDelayMs(refusals: number, random: () => number): number {
  return Math.round(Math.min(8000, 500 * 2 ** Math.max(0, refusals - 1)) * (0.5 + random() / 2));
}

/**
 * Sends the gateway refused `unavailable`, held like a circuit breaker: after a refusal one of
 * them (the oldest still wanted) probes again after a growing, jittered delay; the rest wait for
 * an ack and then all go. A thousand clients each re-sending every refused message on a timer is
 * a storm that keeps the gateway from recovering (restart-cassandra at 500 clients did).
 */
export class RefusalGate {
  readonly #refused = new Set<string>();
  #inARow = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    /** Re-sends one clientMsgId; false when it is no longer wanted (acked meanwhile). */
    private readonly resend: (clientMsgId: string) => boolean,
    private readonly random: () => number,
  ) {}

  refused(clientMsgId: string): void {
    this.#refused.add(clientMsgId);
    this.#inARow++;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const id of this.#refused) {
        this.#refused.delete(id);
        if (this.resend(id)) return;
      }
    }, resendDelayMs(this.#inARow, this.random));
  }

  /** An ack: the gateway takes sends again, so everything refused goes now. */
  accepted(): void {
    this.#inARow = 0;
    if (this.#refused.size === 0) return;
    this.stop();
    const ids = [...this.#refused];
    this.#refused.clear();
    for (const id of ids) this.resend(id);
  }

  /** A reconnect re-sends everything unacked anyway. */
  clear(): void {
    this.#refused.clear();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
