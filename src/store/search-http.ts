export interface SearchResponse<T> {
  status: number;
  body: T;
}

/**
 * One JSON request to the search engine with a deadline, for the store and for the infra
 * layer's readiness checks: a refused connection says so instead of "fetch failed", and any
 * failure is a plain Error (the gateway maps it to 503).
 */
export async function searchRequest<T = unknown>(
  url: string,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  options: { body?: unknown; timeoutMs?: number } = {},
): Promise<SearchResponse<T>> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: options.body === undefined ? undefined : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`${method} ${url}${path}: ${why}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (a proxy's error page): kept as text for the message
  }
  return { status: res.status, body: body as T };
}
