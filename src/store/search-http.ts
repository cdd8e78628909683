/**
 * One JSON request to the search engine with a deadline. The store layer keeps its own (infra,
 * a layer above, has the same for readiness): a refused connection says so instead of
 * "fetch failed", and any failure is a plain Error (the gateway maps it to 503).
 */
export async function engineRequest<T = unknown>(url: string, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new Error(`${method} ${url}${path}: ${cause?.code ?? (err instanceof Error ? err.message : String(err))}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the message
  }
  return { status: res.status, body: parsed as T };
}
