#!/usr/bin/env bash
# Builds chatlab's local container images (`chatlab up --infra containers --images local`, and
# docker-compose.local.yml): a minimal Debian root file system (debootstrap, Debian's JRE 17 and
# redis-server) imported once, then one image per part with the jars the native provider
# resolves into ~/.cache/chatlab. Idempotent: an image whose inputs did not change is kept.
# Needs root, debootstrap, a docker CLI whose daemon answers, and Maven + a JDK for the jars.
#   scripts/build-images.sh [--force] [--json] [redis|kafka|cassandra|search ...]
set -euo pipefail
cd "$(dirname "$0")/.."
entry=dist/src/cli/build-images.js
if [ ! -f "$entry" ] || [ -n "$(find src -name '*.ts' -newer "$entry" -print -quit)" ]; then
  npm run build --silent
fi
exec node "$entry" "$@"
