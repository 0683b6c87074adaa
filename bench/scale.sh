#!/usr/bin/env bash
# Issue 4's scale row for Portcullis alone, measured repeatedly (see bench/README.md, "Scale"):
#
#   bench/scale.sh                    N=10,000 hostnames/certs/routes, 5 route changes + 5 certificate rotations
#   N=1000 CHANGES=3 bench/scale.sh   smaller/fewer
#   LOG_LEVEL=Debug bench/scale.sh    also print each stage's time (from the Debug log)
#   PORTCULLIS_ENV="DOTNET_gcServer=0" bench/scale.sh   other runtime settings (default: bench.py's)
#   NGINX_STARTS=2 bench/scale.sh     also time nginx's start on the same set, alternated with Portcullis's (A B A B)
#   SKIP_BUILD=1 BIN=bench/.out/bin-old bench/scale.sh   another build (e.g. a copy of bin from before a change)
#
# Builds Release into bench/.out/bin, generates (cached) bench/.out/big, starts `portcullis run` on
# 127.0.0.1:18443 (admin 18901) with a backend on 127.0.0.1:18080, and prints medians. Needs nginx and
# python3-cryptography (bench/run.sh installs them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/.out"
mkdir -p "$OUT"
. "$ROOT/bench/lib.sh"
[ "${SKIP_BUILD:-}" = 1 ] || build_portcullis
gen_set big "${N:-10000}"
: >"$OUT/portcullis-big.log"
exec python3 "$ROOT/bench/scale.py" --out "$OUT" --changes "${CHANGES:-5}" --log-level "${LOG_LEVEL:-Warning}" --env "${PORTCULLIS_ENV:-}" ${BIN:+--bin "$BIN"} ${NGINX_STARTS:+--nginx "$NGINX_STARTS"}
