# Shared by bench/run.sh and bench/scale.sh (sourced, not run): the Release build and the generated sets.
# Expects ROOT (the repository) and OUT (bench/.out) to be set.

# Published for linux-x64 as the Dockerfile does, so our assemblies and YARP are ReadyToRun (precompiled) as in a
# deployment: at 10,000 hosts the start took 10.4-11.9 s of CPU against 13.0-13.9 s for a plain build (session 4).
export PORTCULLIS_BUILD_KIND="dotnet publish -r linux-x64: ReadyToRun"
build_portcullis() { # Release build of the CLI into $OUT/bin
  echo "building Portcullis (Release, ReadyToRun) into $OUT/bin"
  dotnet publish "$ROOT/src/Portcullis.Cli/Portcullis.Cli.csproj" -c Release -r linux-x64 --self-contained false -o "$OUT/bin" \
    --nologo -v quiet -clp:NoSummary >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; return 1; }
}

build_floor() { # bench/Portcullis.Floor into $OUT/floor (cpu.sh, when PROXIES names a floor)
  echo "building the floor (Release) into $OUT/floor"
  dotnet publish "$ROOT/bench/Portcullis.Floor/Portcullis.Floor.csproj" -c Release -o "$OUT/floor" \
    --nologo -v quiet -clp:NoSummary >"$OUT/build-floor.log" 2>&1 || { cat "$OUT/build-floor.log"; return 1; }
}

# The memory latency probe bench.py and cpu.py run around each cell (the machine's slow mode, see bench/README.md).
build_memprobe() {
  gcc -O2 -o "$OUT/memprobe" "$ROOT/bench/memprobe.c" 2>"$OUT/memprobe.log" ||
    { echo "memprobe not built (gcc missing?): cells are not probed"; rm -f "$OUT/memprobe"; }
}

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

gen_set() { # name, N: certificates and every proxy's configuration in $OUT/name, checked by `portcullis validate`
  local set="$OUT/$1"
  # A size change regenerates: a set directory holds one size at a time.
  # So does another BENCH_PORT_OFFSET: the ports are written into every configuration.
  if [ "$(cat "$set/N" 2>/dev/null)" != "$2" ] || [ "$(cat "$set/port-offset" 2>/dev/null || echo 0)" != "${BENCH_PORT_OFFSET:-0}" ]; then rm -rf "$set"; fi
  mkdir -p "$set/certs"
  workshop_cert "$set/certs/d0" d0.bench
  workshop_cert "$set/certs/d0-rotated" d0.bench "$set/certs/d0"
  workshop_cert "$set/certs/dnew" dnew.bench
  echo "generating $2 certificates and the configurations of every proxy in $set"
  python3 "$ROOT/bench/gen.py" "$set" "$2"
  "$OUT/bin/portcullis" validate --config "$set/portcullis" >"$set/validate.log" 2>&1 ||
    { echo "portcullis validate failed:"; tail -20 "$set/validate.log"; return 1; }
  echo "${BENCH_PORT_OFFSET:-0}" >"$set/port-offset"
  echo "$2" >"$set/N"
}
