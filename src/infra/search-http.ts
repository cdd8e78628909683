/**
 * The little of the search engine's REST API that the infra layer needs (readiness, status,
 * single-node defaults). Plain fetch: OpenSearch and Elasticsearch answer the same here.
 */
import { searchRequest } from '../store/index.js';

export { searchRequest, type SearchResponse } from '../store/index.js';

/**
 * Ready = cluster health at least yellow (waiting up to waitMs inside the engine), then the
 * version from `GET /`. Throws with what the engine said otherwise.
 */
export async function searchClusterHealth(url: string, waitMs = 1000): Promise<string> {
  const health = await searchRequest<{ status?: string; timed_out?: boolean }>(
    url,
    'GET',
    `/_cluster/health?wait_for_status=yellow&timeout=${waitMs}ms`,
    { timeoutMs: waitMs + 3000 },
  );
  const status = typeof health.body === 'object' && health.body ? health.body.status : undefined;
  if (health.status !== 200 || health.body.timed_out || (status !== 'green' && status !== 'yellow')) {
    throw new Error(`cluster health is ${status ?? `HTTP ${health.status}`}${health.body?.timed_out ? ' (not yellow in time)' : ''}`);
  }
  const root = await searchRequest<{ version?: { number?: string; distribution?: string } }>(url, 'GET', '/', { timeoutMs: 5000 });
  return root.body?.version?.number ?? 'unknown';
}

/**
 * One node cannot hold replicas: without this every index would stay yellow. The default
 * replica count lives in the cluster state (persistent settings), not in opensearch.yml.
 */
export async function applySingleNodeDefaults(url: string): Promise<void> {
  const res = await searchRequest(url, 'PUT', '/_cluster/settings', {
    body: { persistent: { 'cluster.default_number_of_replicas': 0 } },
    timeoutMs: 30_000,
  });
  if (res.status !== 200) throw new Error(`PUT ${url}/_cluster/settings answered ${res.status}: ${JSON.stringify(res.body)}`);
}
