import crypto from 'node:crypto';
import { inject } from 'vitest';

/** A name no other test uses: for key prefixes, topics, keyspaces and consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

export function endpoints() {
  return inject('endpoints');
}
