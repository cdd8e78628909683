import type { ClientLink, LinkEvents } from './link.js';

/** What a connection attempt tells the client that made it (the client's side of `LinkAttempt`). */
export interface LinkOwner {
  /** The link of the current connection attempt opened. */
  onLinkOpen(): void;
  onLinkFrame(link: ClientLink, f: { type: string } & Record<string, any>): void;
  /** A link closed; `opened` is false when it never opened (the attempt failed). */
  onLinkClose(link: ClientLink | null, code: number, opened: boolean): void;
}

/**
 * One connection attempt's events, as an object rather than closures: a load worker holds
 * 10,000 open links. `open` settles the attempt's promise; `close` before it fails it.
 */
export class LinkAttempt implements LinkEvents {
  link: ClientLink | null = null;
  private opened = false;

  // dropped once settled, so a held link keeps neither them nor the promise they close over
  private resolve: (() => void) | undefined;
  private reject: ((err: Error) => void) | undefined;

  constructor(
    private readonly owner: LinkOwner,
    resolve: () => void,
    reject: (err: Error) => void,
  ) {
    this.resolve = resolve;
    this.reject = reject;
  }

  open(): void {
    this.opened = true;
    this.owner.onLinkOpen();
    const resolve = this.resolve;
    this.resolve = this.reject = undefined;
    resolve?.();
  }

  frame(f: { type: string } & Record<string, any>): void {
    if (this.link) this.owner.onLinkFrame(this.link, f);
  }

  close(code: number): void {
    this.owner.onLinkClose(this.link, code, this.opened);
    if (this.opened) return;
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    reject?.(new Error(`connect failed (${code})`));
  }
}
