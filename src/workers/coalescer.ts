/**
 * Joins the writes that arrive within a short window into one call. kafkajs hands the records
 * of one fetch to eachBatch once per partition (several at a time); on a small machine the
 * cost of Cassandra is per request, not per row, so the batches of one fetch are written
 * together. Each caller learns the outcome of the write that carried its items; a failed write
 * fails every caller in it, and each retries on its own (the next window joins them again).
 */
export class WriteCoalescer<T> {
  private pending: T[] = [];
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly windowMs: number,
  ) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(...items);
      this.waiters.push({ resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const items = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.write(items).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
