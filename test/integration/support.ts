import crypto from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { connect, type TestSocket } from '../support/ws-client.js';
import type { ServiceConfig } from '../../src/core/index.js';
import { signToken } from '../../src/core/index.js';

/** A name no other test uses: for key prefixes, topics, keyspaces, consumer groups and users. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

export function endpoints() {
  return inject('endpoints');
}

export function gateways(): string[] {
  return inject('services').filter((s) => s.kind === 'gateway').map((s) => s.url);
}

export function token(userId: string): string {
  return signToken(userId, inject('secret'));
}

export async function createConversation(gatewayUrl: string, caller: string, members: string[], name?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gatewayUrl}/v1/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token(caller)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ members, name }),
  });
  return { status: res.status, body: await res.json() };
}

export async function history(gatewayUrl: string, caller: string | null, conversationId: string, query = ''): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gatewayUrl}/v1/conversations/${conversationId}/messages${query}`, {
    headers: caller ? { authorization: `Bearer ${token(caller)}` } : {},
  });
  return { status: res.status, body: await res.json() };
}

export function users(prefix: string, n: number): string[] {
  const base = uniqueName(prefix);
  return Array.from({ length: n }, (_, i) => `${base}-${i}`);
}

/**
 * `as(user, gateway)` opens a socket for that user; every socket opened in a test is closed
 * after it. Call once at the top of a test file.
 */
export function socketsPerTest(): (user: string, gateway: string) => Promise<TestSocket> {
  const open: TestSocket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  return async (user, gateway) => {
    const s = await connect(gateway, token(user));
    open.push(s);
    return s;
  };
}

/** The config of an extra, in-process gateway on the shared stack (a variant's options). */
export function gatewayConfig(namePrefix: string, options: Record<string, unknown>): ServiceConfig {
  const e = endpoints();
  return {
    name: uniqueName(namePrefix),
    kind: 'gateway',
    port: 0,
    host: '127.0.0.1',
    redisUrl: e.redis.url,
    kafkaBrokers: e.kafka.brokers,
    cassandra: e.cassandra,
    keyspace: 'chatlab',
    redisPrefix: '',
    topics: { messages: 'chat.messages' },
    secret: inject('secret'),
    options,
  };
}
