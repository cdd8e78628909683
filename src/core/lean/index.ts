/**
 * The part of core a load worker needs, without zod, prom-client or the ops server: a worker
 * holds 10,000 sockets and loads only this (the whole core/index costs ~15 MB more RSS per
 * worker process). Everything here is also exported by core/index.
 */
export * from '../errors.js';
export * from '../random.js';
export * from '../histogram.js';
export * from '../snowflake.js';
export * from '../protocol-limits.js';
export type { Message } from '../protocol.js';
