/**
 * Redis settings for every provider: the native provider writes them as a config file, the
 * containers provider passes the same settings as `redis-server --key value` arguments.
 */
export function redisSettings(p: { port: number; bind: string; dir: string }): Array<[string, string]> {
  return [
    ['port', String(p.port)],
    ['bind', p.bind],
    // reached through a port mapping from the host: not "protected" loopback-only mode
    ['protected-mode', 'no'],
    // no persistence: the hot path is Pub/Sub and short-lived keys
    ['save', ''],
    ['appendonly', 'no'],
    ['dir', p.dir],
  ];
}

/** As lines of redis.conf (an empty value is written as ""). */
export function redisConfLines(settings: Array<[string, string]>): string[] {
  return settings.map(([k, v]) => `${k} ${v === '' ? '""' : v}`);
}

/** As redis-server arguments. */
export function redisArgs(settings: Array<[string, string]>): string[] {
  return settings.flatMap(([k, v]) => [`--${k}`, v]);
}
