/**
 * A log that writes a line the first time it is seen in a window and counts its repeats: a
 * retry storm (thousands of refused sends a second, each with the same cause) must not turn
 * into thousands of synchronous stderr writes that starve the event loop it is waiting on.
 */
export class RepeatLog {
  #repeats = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly windowMs = 5000,
  ) {}

  line(text: string): void {
    const seen = this.#repeats.get(text);
    if (seen !== undefined) {
      this.#repeats.set(text, seen + 1);
      return;
    }
    this.#repeats.set(text, 0);
    this.write(text);
    this.#timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
  }

  /** Writes how often each line repeated since it was written, and starts a new window. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [text, n] of this.#repeats) if (n > 0) this.write(`${text} (repeated ${n} more times in ${this.windowMs / 1000} s)`);
    this.#repeats.clear();
  }
}
