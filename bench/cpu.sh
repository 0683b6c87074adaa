#!/usr/bin/env bash
# CPU time and allocation per request of Portcullis and nginx on the 100-host set (see bench/README.md,
# "CPU per request"): figures that hold on a busy machine, where req/s does not.
#
#   bench/cpu.sh                                    rows h1 h2 hs, 8 s each, Portcullis and nginx
#   ROWS=h1 DURATION=15 bench/cpu.sh
#   ROWS="h1 h2 lat" bench/cpu.sh                   lat: wrk -c2 (row 3's load), also prints p50/p99
#   PORTCULLIS_ENV="DOTNET_gcServer=0" bench/cpu.sh other runtime settings
#   SKIP_BUILD=1 bench/cpu.sh                       reuse bench/.out/bin
#   TIMELINE=5,15,60 bench/cpu.sh                   h1 from the first request, per window: how fast the JIT settles
#   WARMUP=10 bench/cpu.sh                          seconds of each row's load before the rows (default 30)
#   NO_ALLOC=1 bench/cpu.sh                         no allocation window after each Portcullis row (it has its own
#                                                   window: dotnet-counters costs CPU, so it is never on while CPU is counted)
#   PROXIES="portcullis nginx floor floor-readahead floor-transport" ROWS=h1 bench/cpu.sh
#                                                   with the floor (bench/Portcullis.Floor), keep-alive rows only
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/.out"
mkdir -p "$OUT"
. "$ROOT/bench/lib.sh"
[ "${SKIP_BUILD:-}" = 1 ] || build_portcullis
build_memprobe
case " ${PROXIES:-} " in *" floor"*) build_floor ;; esac
gen_set small 100
exec python3 "$ROOT/bench/cpu.py" --out "$OUT" --rows "${ROWS:-h1 h2 hs}" --duration "${DURATION:-8}" \
  --proxies "${PROXIES:-portcullis nginx}" --env "${PORTCULLIS_ENV:-}" \
  --warmup "${WARMUP:-30}" ${TIMELINE:+--timeline "$TIMELINE"} ${NO_ALLOC:+--no-alloc}
