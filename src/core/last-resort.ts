/**
 * What nothing else caught ends the process on purpose: one log line naming the service, then
 * exit 1, so the stack sees a dead service instead of one running in an unknown state.
 * `exit` is injected for tests.
 */
export function installLastResort(name: string, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let fired = false;
  const handler = (kind: string) => (err: unknown) => {
    if (fired) return;
    fired = true;
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`[${name}] fatal ${kind}: ${text}\n`);
    exit(1);
  };
  const onException = handler('uncaughtException');
  const onRejection = handler('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
