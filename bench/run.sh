#!/usr/bin/env bash
# One command for issue 4's benchmark: Portcullis against nginx, HAProxy and Caddy (Debian packages),
# same certificates, same backend, same routes, same load. See bench/README.md.
#
#   bench/run.sh            full run (N=10,000 hostnames/certs/routes, 3 rounds of 8 s; ~10-15 min)
#   bench/run.sh --quick    smoke run (N=1,000, 2 rounds of 3 s; a few minutes)
#   PEERS="nginx haproxy" bench/run.sh    run a subset of the peers (Portcullis always runs)
#
# Everything listens on 127.0.0.1/127.0.0.2 high ports (18019-18901). Output: bench/.out/ (results.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/.out"
MODE=full
[ "${1:-}" = "--quick" ] && MODE=quick
mkdir -p "$OUT"

need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v curl >/dev/null || need+=(curl)
command -v taskset >/dev/null || need+=(util-linux)
python3 -c 'import cryptography' 2>/dev/null || need+=(python3-cryptography)
command -v gcc >/dev/null || need+=(gcc libc6-dev) # bench/memprobe.c
if ! command -v caddy >/dev/null; then
  apt-get update -qq
  if apt-cache policy caddy | grep -q 'Candidate: [0-9]'; then need+=(caddy); else echo "no caddy package in this Debian: Caddy is skipped"; fi
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  [ -n "$(find /var/lib/apt/lists -name '*Packages*' 2>/dev/null | head -1)" ] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$OUT/apt.log" 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$OUT/apt.log" 2>&1; }
fi

. "$ROOT/bench/lib.sh"
build_portcullis
build_memprobe

if [ "$MODE" = quick ]; then N=1000; else N=10000; fi
gen_set big "$N"
gen_set small 100

exec python3 "$ROOT/bench/bench.py" --out "$OUT" --mode "$MODE" --n "$N" --peers "${PEERS:-nginx haproxy caddy}"
