import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../core/index.js';
import { selectProvider, type ProviderFactory } from './select.js';
import type { InfraProvider, ProviderName } from './types.js';

function fake(name: ProviderName, reason: string | null, asked: string[]): () => InfraProvider {
  return () => ({
    name,
    unavailableReason: async () => {
      asked.push(name);
      return reason;
    },
    start: async () => {
      throw new Error('not started in this test');
    },
  });
}

function factory(reasons: Partial<Record<ProviderName, string | null>>, asked: string[]): ProviderFactory {
  return {
    native: fake('native', reasons.native ?? null, asked),
    containers: fake('containers', reasons.containers ?? null, asked),
    external: fake('external', reasons.external ?? null, asked),
  };
}

describe('selectProvider', () => {
  it('auto prefers containers when a runtime answers', async () => {
    const asked: string[] = [];
    const p = await selectProvider('auto', factory({}, asked));
    expect(p.name).toBe('containers');
    expect(asked).toEqual(['containers']);
  });

  it('auto falls back to native when no container runtime answers', async () => {
    const asked: string[] = [];
    const p = await selectProvider('auto', factory({ containers: 'no container runtime answered' }, asked));
    expect(p.name).toBe('native');
    expect(asked).toEqual(['containers', 'native']);
  });

  it('auto says in one line why it did not take containers (images that cannot be had), and nothing when it did', async () => {
    const notes: string[] = [];
    const reason = 'images missing and not pullable: redis:7.0-alpine (no such host); build local ones with scripts/build-images.sh and use --images local';
    expect((await selectProvider('auto', factory({ containers: reason }, []), (l) => notes.push(l))).name).toBe('native');
    expect(notes).toEqual([`--infra auto: native, because containers: ${reason}`]);
    notes.length = 0;
    await selectProvider('auto', factory({}, []), (l) => notes.push(l));
    expect(notes).toEqual([]);
  });

  it('auto fails naming what to install when neither can run', async () => {
    const err = await selectProvider('auto', factory({ containers: 'no runtime', native: 'the native provider needs: redis-server' }, [])).catch((e) => e);
    expect(err.code).toBe(ErrorCodes.INFRA_UNAVAILABLE);
    expect(err.message).toContain('no way to run Redis, Kafka and Cassandra');
    expect(err.details).toContain('redis-server');
    expect(err.details).toContain('Java 17');
    expect(err.details).toContain('--infra external');
  });

  it('an explicit choice is used without asking the others, or fails with its reason', async () => {
    const asked: string[] = [];
    expect((await selectProvider('native', factory({ containers: 'x' }, asked))).name).toBe('native');
    expect(asked).toEqual(['native']);
    const err = await selectProvider('containers', factory({ containers: 'no answer within 5000 ms' }, [])).catch((e) => e);
    expect(err.code).toBe(ErrorCodes.INFRA_UNAVAILABLE);
    expect(err.message).toContain('--infra containers cannot run here: no answer within 5000 ms');
  });
});
