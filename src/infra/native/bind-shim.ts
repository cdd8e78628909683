/**
 * Neither Cassandra 5.0 nor Kafka binds the local side of the connections it opens to its peers:
 * they leave from 127.0.0.1 whatever the node's listen address, so no rule on address pairs can
 * tell node 2's traffic from node 3's. This small preload library does it for them: with
 * CHATLAB_BIND_ADDRESS set, a socket not yet bound that connects to a loopback address is first
 * bound to that address (any port). Everything else is left to the real connect(). Compiled once
 * with the C compiler into the cache, like the OpenSearch launcher.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const BIND_ADDRESS_ENV = 'CHATLAB_BIND_ADDRESS';

export const BIND_SHIM_SOURCE = String.raw`#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Binds an unbound socket to CHATLAB_BIND_ADDRESS before it connects to a loopback address. */
int connect(int fd, const struct sockaddr *to, socklen_t len) {
  static connect_fn real;
  if (!real) real = (connect_fn)dlsym(RTLD_NEXT, "connect");
  const char *from = getenv("${BIND_ADDRESS_ENV}");
  struct sockaddr_storage me;
  socklen_t me_len = sizeof me;
  if (from && to && getsockname(fd, (struct sockaddr *)&me, &me_len) == 0) {
    if (to->sa_family == AF_INET && me.ss_family == AF_INET) {
      const struct sockaddr_in *t = (const struct sockaddr_in *)to;
      const struct sockaddr_in *m = (const struct sockaddr_in *)&me;
      if ((ntohl(t->sin_addr.s_addr) >> 24) == 127 && m->sin_port == 0 && m->sin_addr.s_addr == 0) {
        struct sockaddr_in b;
        memset(&b, 0, sizeof b);
        b.sin_family = AF_INET;
        if (inet_pton(AF_INET, from, &b.sin_addr) == 1) bind(fd, (struct sockaddr *)&b, sizeof b);
      }
    } else if (to->sa_family == AF_INET6 && me.ss_family == AF_INET6) {
      const unsigned char *t = ((const struct sockaddr_in6 *)to)->sin6_addr.s6_addr;
      const struct sockaddr_in6 *m = (const struct sockaddr_in6 *)&me;
      if (memcmp(t, v4mapped, 12) == 0 && t[12] == 127 && m->sin6_port == 0 && IN6_IS_ADDR_UNSPECIFIED(&m->sin6_addr)) {
        struct sockaddr_in6 b;
        memset(&b, 0, sizeof b);
        b.sin6_family = AF_INET6;
        memcpy(b.sin6_addr.s6_addr, v4mapped, 12);
        if (inet_pton(AF_INET, from, &b.sin6_addr.s6_addr[12]) == 1) bind(fd, (struct sockaddr *)&b, sizeof b);
      }
    }
  }
  return real(fd, to, len);
}
`;

/** The compiled library's path in the cache, building it on first use; null (and why) when no C compiler answers. */
export async function ensureBindShim(cacheDir: string): Promise<{ path: string } | { path: null; reason: string }> {
  const hash = crypto.createHash('sha256').update(BIND_SHIM_SOURCE).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, 'bind-shim', hash);
  const lib = path.join(dir, 'libchatlab-bind.so');
  if (fs.existsSync(lib)) return { path: lib };
  fs.mkdirSync(dir, { recursive: true });
  const source = path.join(dir, 'bind.c');
  fs.writeFileSync(source, BIND_SHIM_SOURCE);
  const staging = `${lib}.${process.pid}.tmp`;
  const compiler = process.env['CC'] ?? 'cc';
  const result = await new Promise<string | null>((resolve) => {
    execFile(compiler, ['-shared', '-fPIC', '-O2', '-o', staging, source, '-ldl'], { encoding: 'utf8' }, (error, _out, stderr) =>
      resolve(error ? `${compiler} failed: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : stderr.trim().split('\n').slice(-3).join(' ')}` : null),
    );
  });
  if (result) {
    fs.rmSync(staging, { force: true });
    return { path: null, reason: `${result} (Debian: apt-get install -y gcc)` };
  }
  fs.renameSync(staging, lib);
  return { path: lib };
}

/** The variables that make a process's outgoing loopback connections leave from `address` (none without the shim). */
export function boundEnv(shim: string | null, address: string): Record<string, string> {
  if (!shim) return {};
  return { LD_PRELOAD: shim, [BIND_ADDRESS_ENV]: address };
}
