#!/usr/bin/env python3
"""Generates the certificates and the equivalent configurations of every proxy for one size N.

Layout under OUT/<set>/ (set = "big" or "small"):
  certs/dI/{ca.crt,tls.crt,tls.key,combined.pem}   I = 0..N-1, a CA per domain, leaf CN=www.dI.bench only
  portcullis/   Kubernetes manifests (GatewayClass, Gateways of 64 listeners, Secrets, HTTPRoutes, Service, EndpointSlice)
  nginx.conf, haproxy.cfg, Caddyfile

Domain 0's certificates are made by bench/run.sh with the workshop's openssl commands (RSA 2048);
the other N-1 are made here with python3-cryptography because 10,000 openssl invocations take tens of
minutes on this machine: one EC P-256 key is shared by all CAs and one by all leaves (only the keys are
shared; every domain has its own CA certificate and its own leaf certificate).
"""
import base64
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# BENCH_PORT_OFFSET moves every port (e.g. 1000), so two checkouts can run benchmarks at the same time.
OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "0"))
BACKEND_PORT = 18080 + OFFSET
PORTS = {"portcullis": 18443 + OFFSET, "nginx": 18444 + OFFSET, "haproxy": 18445 + OFFSET, "caddy": 18446 + OFFSET}
# bench/Portcullis.Floor in its three modes (cpu.sh only; bench/README.md "Session 13").
PORTS.update({"floor": 18447 + OFFSET, "floor-readahead": 18448 + OFFSET, "floor-transport": 18449 + OFFSET})
CADDY_ADMIN = f"127.0.0.1:{18019 + OFFSET}"
LISTENERS_PER_GATEWAY = 64  # the Gateway API's maxItems for spec.listeners


def host(i):
    return f"www.d{i}.bench"


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_certs(certs_dir, n):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key_pem = pem_key(leaf_key)
    for i in range(1, n):
        d = os.path.join(certs_dir, f"d{i}")
        if os.path.exists(os.path.join(d, "combined.pem")):
            continue
        os.makedirs(d, exist_ok=True)
        ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"d{i} Inc."), x509.NameAttribute(NameOID.COMMON_NAME, f"d{i}.bench")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
        leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host(i))])
        leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(ca_name).public_key(leaf_key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
                .sign(ca_key, hashes.SHA256()))
        crt = leaf.public_bytes(serialization.Encoding.PEM)
        write(os.path.join(d, "ca.crt"), ca.public_bytes(serialization.Encoding.PEM))
        write(os.path.join(d, "tls.crt"), crt)
        write(os.path.join(d, "tls.key"), leaf_key_pem)
        write(os.path.join(d, "combined.pem"), crt + leaf_key_pem)


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path + ".tmp", mode) as f:
        f.write(data)
    os.replace(path + ".tmp", path)  # atomic: watchers never see half a file


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


# ---------------------------------------------------------------- Portcullis (standalone manifests)

def portcullis_static(cfg, n, endpoint="127.0.0.1"):
    """Everything but churned objects: class, Gateways, Secrets, routes, Service."""
    os.makedirs(cfg, exist_ok=True)
    write(os.path.join(cfg, "00-gatewayclass.yaml"),
          "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: portcullis\n"
          "spec:\n  controllerName: portcullis.dev/gateway-controller\n")
    write(os.path.join(cfg, "01-backend.yaml"),
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  ports:\n    - name: http\n"
          f"      port: {BACKEND_PORT}\n      targetPort: {BACKEND_PORT}\n")
    portcullis_endpoints(cfg, endpoint)
    gws, secrets, routes = [], [], []
    for g in range((n + LISTENERS_PER_GATEWAY - 1) // LISTENERS_PER_GATEWAY):
        lines = ["apiVersion: gateway.networking.k8s.io/v1", "kind: Gateway", f"metadata:\n  name: gw{g}",
                 "spec:\n  gatewayClassName: portcullis\n  listeners:"]
        for i in range(g * LISTENERS_PER_GATEWAY, min(n, (g + 1) * LISTENERS_PER_GATEWAY)):
            lines.append(f"    - name: d{i}\n      protocol: HTTPS\n      port: {PORTS['portcullis']}\n      hostname: {host(i)}\n"
                         f"      tls:\n        mode: Terminate\n        certificateRefs:\n          - name: d{i}-cert")
        gws.append("\n".join(lines) + "\n")
    for i in range(n):
        secrets.append(portcullis_secret(cfg, i))
        routes.append(portcullis_route(i, f"gw{i // LISTENERS_PER_GATEWAY}", host(i)))
    write(os.path.join(cfg, "10-gateways.yaml"), "---\n".join(gws))
    write(os.path.join(cfg, "20-secrets.yaml"), "---\n".join(secrets[1:]))
    write(os.path.join(cfg, "21-secret-d0.yaml"), secrets[0])  # rotated by the churn row
    write(os.path.join(cfg, "30-routes.yaml"), "---\n".join(routes))


def portcullis_secret(cfg, i, crt=None, key=None):
    certs = os.path.join(os.path.dirname(cfg), "certs", f"d{i}")
    return ("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\n"
            f"metadata:\n  name: d{i}-cert\ndata:\n  tls.crt: {b64(crt or os.path.join(certs, 'tls.crt'))}\n"
            f"  tls.key: {b64(key or os.path.join(certs, 'tls.key'))}\n")


def portcullis_route(i, gateway, hostname, name=None):
    return ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
            f"metadata:\n  name: {name or f'r{i}'}\nspec:\n  parentRefs:\n    - name: {gateway}\n"
            f"  hostnames:\n    - {hostname}\n  rules:\n    - matches:\n        - path:\n            type: PathPrefix\n"
            f"            value: /\n      backendRefs:\n        - name: backend\n          port: {BACKEND_PORT}\n")


def portcullis_endpoints(cfg, address):
    write(os.path.join(cfg, "02-endpoints.yaml"),
          "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: backend-1\n"
          "  labels:\n    kubernetes.io/service-name: backend\naddressType: IPv4\n"
          f"ports:\n  - name: http\n    port: {BACKEND_PORT}\nendpoints:\n  - addresses:\n      - {address}\n"
          "    conditions:\n      ready: true\n")


# ---------------------------------------------------------------- peers: one generator each, driven by a state

def peer_configs(out, n, state):
    """state: endpoint (backend address), extra (bool: an extra route for www.extra.bench),
    d0 (directory holding domain 0's tls.crt/tls.key, swapped by rotation), new (bool: www.dnew.bench)."""
    certs = os.path.join(out, "certs")
    hosts = [(host(i), os.path.join(certs, f"d{i}")) for i in range(n)]
    hosts[0] = (host(0), state["d0"])
    if state.get("new"):
        hosts.append(("www.dnew.bench", os.path.join(certs, "dnew")))
    if state.get("extra"):
        hosts.append(("www.extra.bench", os.path.join(certs, "d1")))
    ep = state["endpoint"]
    write_nginx(out, hosts, ep)
    write_haproxy(out, hosts, ep)
    write_caddy(out, hosts, ep)


def write_nginx(out, hosts, ep):
    servers = []
    for h, d in hosts:
        servers.append(f"server {{ listen 127.0.0.1:{PORTS['nginx']} ssl http2; server_name {h}; "
                       f"ssl_certificate {d}/tls.crt; ssl_certificate_key {d}/tls.key; include {out}/nginx-location.conf; }}")
    # The request headers Portcullis adds (as Envoy does): X-Forwarded-For (appended), X-Forwarded-Proto, and an
    # X-Request-Id when the client sent none. Every peer is given the same, so each does the same work per request.
    write(os.path.join(out, "nginx-location.conf"),
          "location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; "
          "proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
          "proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Request-Id $request_id_out; }\n")
    write(os.path.join(out, "nginx.conf"), f"""worker_processes 1;
pid {out}/nginx.pid;
error_log {out}/nginx-error.log warn;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  server_names_hash_max_size 65536;
  server_names_hash_bucket_size 128;
  keepalive_requests 1000000;
  # nginx 1.22's default is TLSv1-TLSv1.2; the other proxies negotiate TLS 1.3, so nginx is given it too (a
  # TLS 1.2 resumption has no key exchange at all, a TLS 1.3 one does: row 2 compared different work).
  ssl_protocols TLSv1.2 TLSv1.3;
  client_body_temp_path {out}/nginx-tmp;
  proxy_temp_path {out}/nginx-tmp;
  map $http_x_request_id $request_id_out {{ "" $request_id; default $http_x_request_id; }}
  upstream backend {{ server {ep}:{BACKEND_PORT}; keepalive 128; }}
  {chr(10).join(servers)}
}}
""")


def write_haproxy(out, hosts, ep):
    write(os.path.join(out, "haproxy-crt-list.txt"), "".join(f"{d}/combined.pem {h}\n" for h, d in hosts))
    write(os.path.join(out, "haproxy-hosts.map"), "".join(f"{h} be\n" for h, _ in hosts))
    write(os.path.join(out, "haproxy.cfg"), f"""global
  maxconn 4000
  nbthread 1
  pidfile {out}/haproxy.pid
  stats socket {out}/haproxy.sock mode 600 level admin expose-fd listeners
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  option forwardfor
frontend fe
  bind 127.0.0.1:{PORTS['haproxy']} ssl crt-list {out}/haproxy-crt-list.txt alpn h2,http/1.1
  unique-id-format %[uuid()]
  http-request set-header X-Forwarded-Proto https
  http-request set-header X-Request-Id %[unique-id] unless {{ req.hdr(x-request-id) -m found }}
  use_backend %[req.hdr(host),field(1,:),lower,map({out}/haproxy-hosts.map)]
backend be
  http-reuse always
  server s1 {ep}:{BACKEND_PORT}
""")


def write_caddy(out, hosts, ep):
    sites = [f"https://{h}:{PORTS['caddy']} {{\n  bind 127.0.0.1\n  tls {d}/tls.crt {d}/tls.key\n  reverse_proxy {ep}:{BACKEND_PORT} {{\n    header_up X-Request-Id {{http.request.uuid}}\n  }}\n}}"
             for h, d in hosts]
    write(os.path.join(out, "Caddyfile"), f"""{{
  admin {CADDY_ADMIN}
  http_port {18480 + OFFSET}
  https_port {PORTS['caddy']}
  auto_https disable_redirects
  skip_install_trust
  storage file_system {out}/caddy-data
  log {{
    level ERROR
  }}
}}
{chr(10).join(sites)}
""")


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(os.path.join(out, "nginx-tmp"), exist_ok=True)
    make_certs(os.path.join(out, "certs"), n)
    portcullis_static(os.path.join(out, "portcullis"), n)
    peer_configs(out, n, {"endpoint": "127.0.0.1", "d0": os.path.join(out, "certs", "d0")})


if __name__ == "__main__":
    main()
