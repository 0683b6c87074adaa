#!/usr/bin/env bash
# The workshop (SNI based certificate selection) on a real cluster: kind or any other.
# Installs the Gateway API CRDs, deploy/crds and deploy/portcullis.yaml, then runs the workshop's
# steps and checks each answer. NOT run in CI: no cluster is available there; the same steps run
# against a test API server in tests/Portcullis.Kubernetes.Tests/Workshop.
#
#   deploy/kind/workshop.sh                 # current kubectl context
#   KIND=1 deploy/kind/workshop.sh          # create a kind cluster `portcullis` first and load the image
#   IMAGE=registry/portcullis:tag deploy/kind/workshop.sh
#
# Needs: kubectl, curl, openssl (and kind and docker with KIND=1). The Gateway's Service is a
# LoadBalancer: on kind, run `cloud-provider-kind` (or MetalLB) so it gets an address reachable from here.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
IMAGE=${IMAGE:-portcullis:dev}
GATEWAY_API=${GATEWAY_API:-https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.2.1/standard-install.yaml}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

if [[ "${KIND:-}" == 1 ]]; then
  step "kind cluster and image"
  kind get clusters | grep -qx portcullis || kind create cluster --name portcullis
  docker build -t "$IMAGE" "$ROOT"
  kind load docker-image "$IMAGE" --name portcullis
fi

step "install: Gateway API CRDs, Portcullis CRDs, controller, GatewayClass"
kubectl apply --server-side -f "$GATEWAY_API"
kubectl apply -f "$ROOT/deploy/crds/"
kubectl wait --for condition=established --timeout=60s crd/gateways.gateway.networking.k8s.io crd/gatewayparameters.portcullis.dev
sed "s#ghcr.io/portcullis/portcullis:latest#$IMAGE#g" "$ROOT/deploy/portcullis.yaml" | kubectl apply -f -
kubectl -n portcullis-system rollout status deployment/portcullis-controller --timeout=120s
kubectl wait --for=condition=Accepted --timeout=60s gatewayclass/portcullis

step "1. backend-sni"
kubectl apply -f - <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: backend-sni
---
apiVersion: v1
kind: Service
metadata:
  name: backend-sni
  labels:
    app: backend-sni
    service: backend-sni
spec:
  ports:
    - name: http
      port: 3000
      targetPort: 3000
  selector:
    app: backend-sni
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend-sni
spec:
  replicas: 1
  selector:
    matchLabels:
      app: backend-sni
      version: v1
  template:
    metadata:
      labels:
        app: backend-sni
        version: v1
    spec:
      serviceAccountName: backend-sni
      containers:
        - image: gcr.io/k8s-staging-gateway-api/echo-basic:v20231214-v1.0.0-140-gf544a46e
          imagePullPolicy: IfNotPresent
          name: backend-sni
          ports:
            - containerPort: 3000
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
YAML

step "2. sni-gateway (class portcullis instead of tigera-gateway-class)"
kubectl apply -f - <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: sni-gateway
spec:
  gatewayClassName: portcullis
  listeners:
    - name: http
      protocol: HTTP
      port: 80
YAML

step "3. HTTPRoute backend-sni"
kubectl apply -f - <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend-sni
spec:
  parentRefs:
    - name: sni-gateway
  hostnames:
    - "www.example.com"
  rules:
    - backendRefs:
        - group: ""
          kind: Service
          name: backend-sni
          port: 3000
          weight: 1
      matches:
        - path:
            type: PathPrefix
            value: /
YAML

step "4. wait for the proxy fleet and the address"
kubectl rollout status deployment/backend-sni --timeout=120s
kubectl wait --for=create --timeout=60s deployment/portcullis-sni-gateway
kubectl rollout status deployment/portcullis-sni-gateway --timeout=120s
kubectl wait --for=condition=Programmed --timeout=180s gateway/sni-gateway

step "5. the address"
export GATEWAY_SNI_DEMO=$(kubectl get gateway/sni-gateway -o jsonpath='{.status.addresses[0].value}')
[[ -n "$GATEWAY_SNI_DEMO" ]] || fail "no status.addresses"
echo "GATEWAY_SNI_DEMO=$GATEWAY_SNI_DEMO"

step "6.1 HTTP"
curl --fail --silent --show-error --retry 10 --retry-all-errors --retry-delay 2 --header "Host: www.example.com" "http://$GATEWAY_SNI_DEMO/get" | grep -q '"pod": *"backend-sni-' \
  || fail "6.1: not answered by backend-sni"

step "6.2 / 6.3 example.com certificate and HTTPS listener"
openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/O=example Inc./CN=example.com' -keyout example.com.key -out example.com.crt
openssl req -out www.example.com.csr -newkey rsa:2048 -nodes -keyout www.example.com.key -subj "/CN=www.example.com/O=example organization"
openssl x509 -req -days 365 -CA example.com.crt -CAkey example.com.key -set_serial 0 -in www.example.com.csr -out www.example.com.crt
kubectl create secret tls example-cert --key=www.example.com.key --cert=www.example.com.crt
kubectl patch gateway sni-gateway --type=json --patch '
  - op: add
    path: /spec/listeners/-
    value:
      name: https
      protocol: HTTPS
      port: 443
      tls:
        mode: Terminate
        certificateRefs:
        - kind: Secret
          group: ""
          name: example-cert
  '

step "6.4 HTTPS www.example.com"
curl --fail -sS -o /dev/null --retry 15 --retry-all-errors --retry-delay 2 -HHost:www.example.com \
  --resolve "www.example.com:443:${GATEWAY_SNI_DEMO}" --cacert example.com.crt https://www.example.com/get || fail "6.4"

step "6.5 - 6.7 sample.com certificate on the same listener, second hostname"
openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/O=sample Inc./CN=sample.com' -keyout sample.com.key -out sample.com.crt
openssl req -out www.sample.com.csr -newkey rsa:2048 -nodes -keyout www.sample.com.key -subj "/CN=www.sample.com/O=sample organization"
openssl x509 -req -days 365 -CA sample.com.crt -CAkey sample.com.key -set_serial 0 -in www.sample.com.csr -out www.sample.com.crt
kubectl create secret tls sample-cert --key=www.sample.com.key --cert=www.sample.com.crt
kubectl patch gateway sni-gateway --type=json --patch '
  - op: add
    path: /spec/listeners/1/tls/certificateRefs/-
    value:
      name: sample-cert
  '
kubectl patch httproute backend-sni --type=json --patch '
  - op: add
    path: /spec/hostnames/-
    value: www.sample.com
  '

step "6.8 / 6.9 SNI picks the certificate"
curl --fail -sS -I --retry 15 --retry-all-errors --retry-delay 2 -HHost:www.example.com \
  --resolve "www.example.com:443:${GATEWAY_SNI_DEMO}" --cacert example.com.crt https://www.example.com/get >/dev/null || fail "6.8"
curl --fail -sS -I --retry 15 --retry-all-errors --retry-delay 2 -HHost:www.sample.com \
  --resolve "www.sample.com:443:${GATEWAY_SNI_DEMO}" --cacert sample.com.crt https://www.sample.com/get >/dev/null || fail "6.9"

step "clean-up"
kubectl delete service backend-sni
kubectl delete deployment backend-sni
kubectl delete gateway sni-gateway
kubectl delete HTTPRoute backend-sni
kubectl delete secret example-cert sample-cert

printf '\nworkshop passed on %s\n' "$(kubectl config current-context)"
