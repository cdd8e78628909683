/** Per input class: how many were thrown, what each got back, and how many answers were not the documented one. */
export interface AbuseRow {
  inputClass: string;
  targets: string;
  expected: string;
  count: number;
  answers: Record<string, number>;
  unexpected: number;
}

export class Tally {
  readonly rows = new Map<string, AbuseRow>();

  /** Records one input and its answer; `ok` defaults to "the answer is the expected one". */
  add(inputClass: string, targets: string, expected: string, answer: string, ok = answer === expected): void {
    let row = this.rows.get(inputClass);
    if (!row) {
      row = { inputClass, targets, expected, count: 0, answers: {}, unexpected: 0 };
      this.rows.set(inputClass, row);
    }
    row.count++;
    row.answers[answer] = (row.answers[answer] ?? 0) + 1;
    if (!ok) row.unexpected++;
  }

  get unexpected(): number {
    return [...this.rows.values()].reduce((n, r) => n + r.unexpected, 0);
  }

  get count(): number {
    return [...this.rows.values()].reduce((n, r) => n + r.count, 0);
  }

  /** One line per class, for the run's timeline and the note. */
  lines(): string[] {
    return [...this.rows.values()].map(
      (r) => `${r.inputClass} → ${r.targets}: ${r.count} sent, expected ${r.expected}, got ${Object.entries(r.answers).map(([a, n]) => `${a}×${n}`).join(' ')}${r.unexpected ? ` — ${r.unexpected} UNEXPECTED` : ''}`,
    );
  }
}
