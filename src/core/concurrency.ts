/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 * After a failure no new call starts, and the returned promise rejects with the first error
 * only once every call already started has settled: a caller that retries (the persist
 * worker, the receipts flush) never races a write still in flight from the failed attempt.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
      while (!failed && next < items.length) {
        const i = next++;
        try {
          out[i] = await fn(items[i]!, i);
        } catch (err) {
          if (!failed) firstError = err;
          failed = true;
        }
      }
    }),
  );
  if (failed) throw firstError;
  return out;
}
