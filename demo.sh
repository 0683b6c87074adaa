#!/usr/bin/env bash
# Runs the SNI workshop (../shared/seed, "Calico Ingress Gateway - SNI based Certificate selection")
# on this machine with Portcullis in standalone mode: no Kubernetes, the workshop's own manifests
# and openssl commands, and its curl checks 6.1, 6.4, 6.8 and 6.9. Leaves the gateway running.
#
#   ./demo.sh          build, generate certificates, start, run the checks, leave it running
#   ./demo.sh stop     stop what the demo started
#
# Ports 80 and 443 (the workshop's) need root. As another user the demo uses 8080 and 8443;
# choose your own with HTTP_PORT=... HTTPS_PORT=... ./demo.sh. ECHO_PORT (3000) is the backend's,
# ADMIN (127.0.0.1:9901) the admin endpoint's, POOL (127.10.10.0/26) the Gateway address pool.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
WORK="$ROOT/.demo"
BIN="$WORK/bin"
CONFIG="$WORK/config"
CERTS="$WORK/certs"
if [ "$(id -u)" = 0 ]; then DEFAULT_HTTP=80 DEFAULT_HTTPS=443; else DEFAULT_HTTP=8080 DEFAULT_HTTPS=8443; fi
HTTP_PORT=${HTTP_PORT:-$DEFAULT_HTTP}
HTTPS_PORT=${HTTPS_PORT:-$DEFAULT_HTTPS}
ECHO_PORT=${ECHO_PORT:-3000}
ADMIN=${ADMIN:-127.0.0.1:9901}
POOL=${POOL:-127.10.10.0/26}
KUBECTL=${KUBECTL:-kubectl} # KUBECTL=none shows the kubectl-free path

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*" >&2; "$@"; }  # the command goes to stderr: stdout may be a file
portcullis() { "$BIN/portcullis" "$@"; }

stop() {
  for name in portcullis echo; do
    if [ -f "$WORK/$name.pid" ]; then
      kill "$(cat "$WORK/$name.pid")" 2>/dev/null || true
      rm -f "$WORK/$name.pid"
    fi
  done
}

if [ "${1:-}" = "stop" ]; then
  stop
  echo "stopped"
  exit 0
fi

stop
rm -rf "$CONFIG" "$CERTS"
mkdir -p "$BIN" "$CONFIG" "$CERTS"

bold "Building Portcullis (Release)"
dotnet build "$ROOT/src/Portcullis.Cli/Portcullis.Cli.csproj" -c Release -o "$BIN" --nologo -v quiet -clp:NoSummary

bold "1-3. The workshop's manifests (backend-sni, sni-gateway, HTTPRoute backend-sni)"
cp "$ROOT"/examples/workshop/*.yaml "$CONFIG/"
# Only the ports differ from the workshop, so that the demo runs without root.
sed -i "s/port: 80$/port: $HTTP_PORT/" "$CONFIG/02-sni-gateway.yaml"
sed -i "s/    port: 3000$/    port: $ECHO_PORT/" "$CONFIG/01-backend-sni.yaml"
ls "$CONFIG"

bold "Starting the echo backend (the workshop's backend-sni pod) on 127.0.0.1:$ECHO_PORT"
POD_NAME=backend-sni-local NAMESPACE=default HTTP_PORT=$ECHO_PORT H2C_PORT=0 \
  nohup "$BIN/portcullis" echo --address 127.0.0.1 >"$WORK/echo.log" 2>&1 &
echo $! >"$WORK/echo.pid"

bold "Starting Portcullis on $CONFIG (address pool $POOL, admin $ADMIN)"
nohup "$BIN/portcullis" run --config "$CONFIG" --address-pool "$POOL" --admin "$ADMIN" >"$WORK/portcullis.log" 2>&1 &
echo $! >"$WORK/portcullis.pid"
for _ in $(seq 1 100); do
  curl -fs "http://$ADMIN/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$ADMIN/readyz" >/dev/null || { echo "Portcullis did not become ready; see $WORK/portcullis.log"; cat "$WORK/portcullis.log"; exit 1; }

bold "5. Retrieve the Gateway's address"
export PORTCULLIS_ADMIN="http://$ADMIN"
GATEWAY_SNI_DEMO=$(portcullis get gateway/sni-gateway -o jsonpath='{.status.addresses[0].value}')
printf '$ export GATEWAY_SNI_DEMO=$(portcullis get gateway/sni-gateway -o jsonpath='"'"'{.status.addresses[0].value}'"'"')\nGATEWAY_SNI_DEMO=%s\n' "$GATEWAY_SNI_DEMO"

declare -a RESULTS=()
check() { # name, command...
  local name=$1; shift
  local out
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if out=$("$@" 2>&1); then
      printf '%s\n' "$out" | grep -E '^(< HTTP|\* +SSL certificate verify|\* +subject|\* +issuer|\* +ALPN|HTTP/)' || true
      RESULTS+=("PASS  $name"); return 0
    fi
    sleep 0.5 # the gateway converges on file changes in well under a second
  done
  printf '%s\n' "$out" | tail -20
  RESULTS+=("FAIL  $name")
}

check_https() { # name, host, CA file, extra curl args: the workshop's 6.4/6.8/6.9 command, shown then checked
  local name=$1 host=$2 ca=$3; shift 3
  printf '$ curl -v -HHost:%s --resolve "%s:%s:%s" --cacert %s https://%s:%s/get%s\n' \
    "$host" "$host" "$HTTPS_PORT" "$GATEWAY_SNI_DEMO" "$ca" "$host" "$HTTPS_PORT" "${*:+ $*}"
  check "$name" curl -sS --fail -v "-HHost:$host" --resolve "$host:$HTTPS_PORT:$GATEWAY_SNI_DEMO" --cacert "$ca" "https://$host:$HTTPS_PORT/get" "$@"
}

bold "6.1 HTTP with Host: www.example.com"
printf '$ curl --verbose --header "Host: www.example.com" http://%s:%s/get\n' "$GATEWAY_SNI_DEMO" "$HTTP_PORT"
check "6.1 HTTP www.example.com -> 200" \
  curl -sS --fail --verbose --header "Host: www.example.com" "http://$GATEWAY_SNI_DEMO:$HTTP_PORT/get"
curl -sS --header "Host: www.example.com" "http://$GATEWAY_SNI_DEMO:$HTTP_PORT/get"; echo

secret_tls() { # name, cert, key: kubectl's output when it is installed, the same YAML otherwise
  if command -v "$KUBECTL" >/dev/null; then
    run "$KUBECTL" create secret tls "$1" --cert="$2" --key="$3" --dry-run=client -o yaml
  else
    printf '\033[2m$ # kubectl not found: writing the Secret kubectl would print\033[0m\n' >&2
    printf 'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: %s\ndata:\n  tls.crt: %s\n  tls.key: %s\n' \
      "$1" "$(base64 -w0 <"$2")" "$(base64 -w0 <"$3")"
  fi
}

patch_file() { # file, json-patch: kubectl patch --local when kubectl is installed, else portcullis patch --local
  if command -v "$KUBECTL" >/dev/null; then
    run "$KUBECTL" patch --local -f "$1" --type=json -p "$2" -o yaml >"$1.new"
  else
    run "$BIN/portcullis" patch --local -f "$1" --type=json -p "$2" >"$1.new"
  fi
  mv "$1.new" "$1"
}

bold "6.2 Certificates for example.com (the workshop's openssl commands) and Secret example-cert"
cd "$CERTS"
run openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/O=example Inc./CN=example.com' -keyout example.com.key -out example.com.crt 2>/dev/null
run openssl req -out www.example.com.csr -newkey rsa:2048 -nodes -keyout www.example.com.key -subj "/CN=www.example.com/O=example organization" 2>/dev/null
run openssl x509 -req -days 365 -CA example.com.crt -CAkey example.com.key -set_serial 0 -in www.example.com.csr -out www.example.com.crt 2>/dev/null
secret_tls example-cert www.example.com.crt www.example.com.key >"$CONFIG/04-example-cert.yaml"

bold "6.3 Add the HTTPS listener to sni-gateway"
patch_file "$CONFIG/02-sni-gateway.yaml" "[{\"op\":\"add\",\"path\":\"/spec/listeners/-\",\"value\":{\"name\":\"https\",\"protocol\":\"HTTPS\",\"port\":$HTTPS_PORT,\"tls\":{\"mode\":\"Terminate\",\"certificateRefs\":[{\"kind\":\"Secret\",\"group\":\"\",\"name\":\"example-cert\"}]}}}]"

bold "6.4 HTTPS for www.example.com, verified against example.com.crt"
check_https "6.4 HTTPS www.example.com, SSL certificate verify ok" www.example.com example.com.crt

bold "6.5 Certificates for sample.com and Secret sample-cert"
run openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/O=sample Inc./CN=sample.com' -keyout sample.com.key -out sample.com.crt 2>/dev/null
run openssl req -out www.sample.com.csr -newkey rsa:2048 -nodes -keyout www.sample.com.key -subj "/CN=www.sample.com/O=sample organization" 2>/dev/null
run openssl x509 -req -days 365 -CA sample.com.crt -CAkey sample.com.key -set_serial 0 -in www.sample.com.csr -out www.sample.com.crt 2>/dev/null
secret_tls sample-cert www.sample.com.crt www.sample.com.key >"$CONFIG/05-sample-cert.yaml"

bold "6.6 Add sample-cert to the HTTPS listener's certificateRefs"
patch_file "$CONFIG/02-sni-gateway.yaml" '[{"op":"add","path":"/spec/listeners/1/tls/certificateRefs/-","value":{"name":"sample-cert"}}]'

bold "6.7 Add www.sample.com to the HTTPRoute's hostnames"
patch_file "$CONFIG/03-backend-sni-route.yaml" '[{"op":"add","path":"/spec/hostnames/-","value":"www.sample.com"}]'

bold "6.8 HTTPS for www.example.com again"
check_https "6.8 HTTPS www.example.com after adding sample-cert" www.example.com example.com.crt -I

bold "6.9 HTTPS for www.sample.com, verified against sample.com.crt"
check_https "6.9 HTTPS www.sample.com, SSL certificate verify ok" www.sample.com sample.com.crt -I

bold "Status"
portcullis get gateways
portcullis get httproutes

bold "Results"
failed=0
for r in "${RESULTS[@]}"; do echo "$r"; case $r in FAIL*) failed=1 ;; esac; done

cat <<EOF

Portcullis is still running (log: $WORK/portcullis.log). Try by hand:

  cd $CERTS
  export PORTCULLIS_ADMIN=http://$ADMIN GATEWAY_SNI_DEMO=$GATEWAY_SNI_DEMO
  curl -v -HHost:www.sample.com --resolve "www.sample.com:$HTTPS_PORT:\$GATEWAY_SNI_DEMO" --cacert sample.com.crt https://www.sample.com:$HTTPS_PORT/get
  openssl s_client -connect \$GATEWAY_SNI_DEMO:$HTTPS_PORT -servername www.sample.com </dev/null | head -3
  $BIN/portcullis get gateway sni-gateway -o yaml
  \$EDITOR $CONFIG/03-backend-sni-route.yaml   # changes apply on save, no restart

Stop it with: ./demo.sh stop
EOF
exit $failed
