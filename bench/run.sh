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

echo "building Portcullis (Release) into $OUT/bin"
dotnet build "$ROOT/src/Portcullis.Cli/Portcullis.Cli.csproj" -c Release -o "$OUT/bin" --nologo -v quiet -clp:NoSummary >"$OUT/build.log" 2>&1 ||
  { cat "$OUT/build.log"; exit 1; }

# Domain 0 (the host of rows 1, 3 and 5) the workshop's way: a CA per domain, leaf with CN only, RSA 2048.
# d0-rotated is a second leaf from the same CA (certificate rotation in row 5); dnew is the host added in row 4.
workshop_cert() { # dir, domain, ca-dir (reuse its CA when given)
  local dir=$1 domain=$2 ca=${3:-}
  [ -f "$dir/tls.crt" ] && return 0
  mkdir -p "$dir"
  if [ -z "$ca" ]; then
    openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj "/O=$domain Inc./CN=$domain" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    ca=$dir
  fi
  openssl req -out "$dir/tls.csr" -newkey rsa:2048 -nodes -keyout "$dir/tls.key" -subj "/CN=www.$domain/O=$domain organization" 2>/dev/null
  openssl x509 -req -days 365 -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "$RANDOM" -in "$dir/tls.csr" -out "$dir/tls.crt" 2>/dev/null
  cat "$dir/tls.crt" "$dir/tls.key" >"$dir/combined.pem"
}

gen_set() { # name, N
  local set="$OUT/$1"
  mkdir -p "$set/certs"
  workshop_cert "$set/certs/d0" d0.bench
  workshop_cert "$set/certs/d0-rotated" d0.bench "$set/certs/d0"
  workshop_cert "$set/certs/dnew" dnew.bench
  echo "generating $2 certificates and the configurations of every proxy in $set"
  python3 "$ROOT/bench/gen.py" "$set" "$2"
  "$OUT/bin/portcullis" validate --config "$set/portcullis" >"$set/validate.log" 2>&1 ||
    { echo "portcullis validate failed:"; tail -20 "$set/validate.log"; exit 1; }
}

if [ "$MODE" = quick ]; then N=1000; else N=10000; fi
# A size change regenerates: the set directory holds one size at a time.
if [ "$(cat "$OUT/big/N" 2>/dev/null)" != "$N" ]; then rm -rf "$OUT/big"; fi
gen_set big "$N"; echo "$N" >"$OUT/big/N"
gen_set small 100

exec python3 "$ROOT/bench/bench.py" --out "$OUT" --mode "$MODE" --n "$N" --peers "${PEERS:-nginx haproxy caddy}"
