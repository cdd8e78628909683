import type { InfraEndpoints } from '../infra/types.js';
import type { ServiceRecord } from './state.js';

export interface ServiceOptions {
  gateways: number;
}

export interface ServiceContext {
  stateDir: string;
  endpoints: InfraEndpoints;
  keyspace: string;
  secret: string;
  options: ServiceOptions;
  signal?: AbortSignal;
  onProgress?: (component: string, phase: string, detail?: string) => void;
}

export interface StartedServices {
  records: ServiceRecord[];
  stop(): Promise<void>;
}

/**
 * The chat services (gateways, presence server, workers) run as child processes of the stack.
 * They arrive with the chat-core issue; until then the stack is the infrastructure alone.
 */
export async function startServices(_ctx: ServiceContext): Promise<StartedServices> {
  return { records: [], stop: async () => {} };
}
