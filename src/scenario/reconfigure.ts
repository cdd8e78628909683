import fs from 'node:fs';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { setTopicMinInsync, topicMinInsync } from '../infra/index.js';
import { readState, serviceConfigFile, startService, stopService } from '../stack/index.js';
import { TOPICS, storeServiceOptions, type StoreSettings } from '../store/index.js';

/**
 * Makes the running services use these options (a variant's gateway routing, presence or
 * receipts mode): rewrites their config files and restarts, gracefully, only those that differ.
 */
export async function applyServiceOptions(
  stateDir: string,
  wanted: { gateway?: Record<string, unknown>; presence?: Record<string, unknown>; receipts?: Record<string, unknown>; persist?: Record<string, unknown> },
  onChange: (line: string) => void,
): Promise<void> {
  const state = readState(stateDir);
  if (!state) return;
  const kindOf = { gateway: 'gateway', presence: 'presence', receipts: 'receipts-worker', persist: 'persist-worker' } as const;
  for (const [key, options] of Object.entries(wanted) as Array<[keyof typeof kindOf, Record<string, unknown> | undefined]>) {
    if (!options) continue;
    const services = state.services.filter((s) => s.kind === kindOf[key]);
    const changed = services.filter((svc) => {
      const file = serviceConfigFile(stateDir, svc.name);
      const config = JSON.parse(fs.readFileSync(file, 'utf8'));
      const merged = { ...config.options, ...options };
      if (JSON.stringify(merged) === JSON.stringify(config.options)) return false;
      fs.writeFileSync(file, JSON.stringify({ ...config, options: merged }, null, 2), { mode: 0o600 });
      return true;
    });
    if (changed.length === 0) continue;
    onChange(`restarting ${changed.map((s) => s.name).join(', ')} with ${JSON.stringify(options)}`);
    for (const svc of changed) {
      await stopService(stateDir, svc.name, 'term');
      await startService(stateDir, svc.name);
    }
  }
}

/** Each service's options as its config file holds them now (what the next start uses). */
export function readServiceOptions(stateDir: string): Record<string, Record<string, unknown>> {
  const state = readState(stateDir);
  const out: Record<string, Record<string, unknown>> = {};
  for (const svc of state?.services ?? []) {
    try {
      out[svc.name] = JSON.parse(fs.readFileSync(serviceConfigFile(stateDir, svc.name), 'utf8')).options ?? {};
    } catch {
      out[svc.name] = {};
    }
  }
  return out;
}

/**
 * Puts every service back to the options of `snapshot` (taken before the run), restarting
 * those that differ; also starts a service the run left stopped. Returns what it restored.
 */
export async function restoreServiceOptions(stateDir: string, snapshot: Record<string, Record<string, unknown>>, onChange: (line: string) => void): Promise<string[]> {
  const state = readState(stateDir);
  if (!state) return [];
  const restored: string[] = [];
  for (const svc of state.services) {
    const wanted = snapshot[svc.name];
    const file = serviceConfigFile(stateDir, svc.name);
    let changed = false;
    if (wanted) {
      const config = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (JSON.stringify(config.options ?? {}) !== JSON.stringify(wanted)) {
        fs.writeFileSync(file, JSON.stringify({ ...config, options: wanted }, null, 2), { mode: 0o600 });
        changed = true;
      }
    }
    if (changed) {
      onChange(`restoring ${svc.name} to ${JSON.stringify(wanted)}`);
      await stopService(stateDir, svc.name, 'term');
      restored.push(svc.name);
    }
    await startService(stateDir, svc.name);
  }
  return restored;
}

/**
 * A variant's store settings (store/consistency.ts): the consistency levels and acks go to the
 * gateways and the persist worker as options (a graceful restart of those that differ), the
 * topic's min.insync.replicas to the broker. On one node only ONE/QUORUM/ALL of one replica and
 * min.insync.replicas 1 make sense: more is refused.
 */
export async function applyStoreSettings(stateDir: string, store: StoreSettings, onChange: (line: string) => void): Promise<void> {
  if (Object.keys(store).length === 0) return;
  const state = readState(stateDir);
  if (!state?.endpoints) return;
  if (store.minInsyncReplicas !== undefined) {
    if (state.topology !== 'cluster' && store.minInsyncReplicas > 1) {
      throw new ChatlabError(ErrorCodes.CONFIG, `--set minInsyncReplicas=${store.minInsyncReplicas} needs the cluster topology (chat.messages has one replica here)`);
    }
    const now = await topicMinInsync(state.endpoints.kafka.brokers, TOPICS.messages);
    if (now !== store.minInsyncReplicas) {
      onChange(`${TOPICS.messages}: min.insync.replicas ${now} -> ${store.minInsyncReplicas}`);
      await setTopicMinInsync(state.endpoints.kafka.brokers, TOPICS.messages, store.minInsyncReplicas);
    }
  }
  const { gateway, persist } = storeServiceOptions(store);
  await applyServiceOptions(stateDir, { gateway, persist }, onChange);
}

/** The topic setting a run may change, read before it (restoreStoreSettings puts it back). */
export async function snapshotStoreSettings(stateDir: string): Promise<{ minInsyncReplicas?: number }> {
  const state = readState(stateDir);
  if (state?.topology !== 'cluster' || !state.endpoints) return {};
  return { minInsyncReplicas: await topicMinInsync(state.endpoints.kafka.brokers, TOPICS.messages) };
}

export async function restoreStoreSettings(stateDir: string, snapshot: { minInsyncReplicas?: number }, onChange: (line: string) => void): Promise<void> {
  const state = readState(stateDir);
  if (snapshot.minInsyncReplicas === undefined || !state?.endpoints) return;
  const now = await topicMinInsync(state.endpoints.kafka.brokers, TOPICS.messages);
  if (now === snapshot.minInsyncReplicas) return;
  onChange(`restoring ${TOPICS.messages}: min.insync.replicas ${now} -> ${snapshot.minInsyncReplicas}`);
  await setTopicMinInsync(state.endpoints.kafka.brokers, TOPICS.messages, snapshot.minInsyncReplicas);
}
