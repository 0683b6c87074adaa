#!/usr/bin/env python3
"""Issue 4's scale row for Portcullis alone, repeated: started by bench/scale.sh (read bench/README.md).

On the generated set of N hostnames, certificates and HTTPRoutes: time from start to serving the last host,
RSS after start, then CHANGES times each of
  route:  one HTTPRoute appended to the routes file (the whole file rewritten, as an editor does) -> until the
          new route's host answers 200 (before: 404, since the set starts without routes for those hosts);
  cert:   the Secret of www.d0.bench rotated (two leaves of one CA) -> until a handshake presents the new leaf;
  new:    a new Gateway + Secret + HTTPRoute in a new file (bench/run.sh's convergence) -> until it answers;
with RSS after each. Prints medians (min-max). The proxy and the backend share CPU 0, as in bench/run.sh.
"""
import argparse
import os
import re
import signal
import socket
import ssl
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import gen  # noqa: E402


def peer_cert(port, hostname, path="/"):
    """(DER of the served certificate, first status line) of one HTTPS request, or (None, None)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, ctx.wrap_socket(raw, server_hostname=hostname) as s:
            der = s.getpeercert(binary_form=True)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {hostname}\r\nConnection: close\r\n\r\n".encode())
            return der, s.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError:
        return None, None


def until(check, timeout=120, interval=0.01):
    """Seconds until check() is true (polled every interval), or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(interval)
    return None


def load_average():
    return f"{os.getloadavg()[0]:.1f}"


def start_timed(p, host):
    """(wall seconds until host is served, CPU seconds of the process tree then, load average then) of a started proxy."""
    wall = bench.wait_for(p.port, host, 600, 0.05, p.proc)
    return wall, None if wall is None else bench.tree_cpu_seconds(p.proc.pid, reaped=True), load_average()


def der_of(cert_dir):
    return ssl.PEM_cert_to_DER_cert(open(os.path.join(cert_dir, "tls.crt")).read())


def summary(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return "n/a"
    return f"{statistics.median(vals):.2f} ({min(vals):.2f}-{max(vals):.2f}, n={len(vals)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--changes", type=int, default=5)
    ap.add_argument("--bin", help="another build's output directory (default OUT/bin), to compare builds")
    ap.add_argument("--log-level", default="Warning", help="Debug prints each stage's time in the log")
    ap.add_argument("--nginx", type=int, default=0, help="also start nginx on the set this many times, alternating (A B A B)")
    ap.add_argument("--env", default="", help="runtime settings replacing bench.py's, e.g. 'DOTNET_gcServer=0'")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    big = os.path.join(a.out, "big")
    cfg = os.path.join(big, "portcullis")
    n = bench.n_of(big)
    last = gen.host(n - 1)
    spare = [n - 2 - j for j in range(a.changes)]  # hosts whose routes the route changes add back, one each
    routes = [gen.portcullis_route(i, f"gw{i // gen.LISTENERS_PER_GATEWAY}", gen.host(i)) for i in range(n)]
    routes_file = os.path.join(cfg, "30-routes.yaml")
    new_file = os.path.join(cfg, "40-new.yaml")
    secret_file = os.path.join(cfg, "21-secret-d0.yaml")
    certs = {"d0": os.path.join(big, "certs", "d0"), "rotated": os.path.join(big, "certs", "d0-rotated")}

    def write_routes(missing):
        gen.write(routes_file, "---\n".join(r for i, r in enumerate(routes) if i not in missing))

    def write_secret(which):
        gen.write(secret_file, gen.portcullis_secret(cfg, 0, os.path.join(certs[which], "tls.crt"), os.path.join(certs[which], "tls.key")))

    write_routes(set(spare))
    write_secret("d0")
    if os.path.exists(new_file):
        os.remove(new_file)
    backend = bench.start_backend(a.out)
    p = bench.Proxy("portcullis", a.out, big, a.bin or os.path.join(a.out, "bin"))
    p.log_level = a.log_level
    p.env.update(kv.split("=", 1) for kv in a.env.split())
    res = {"start": None, "rss_start": None, "route": [], "cert": [], "new": [], "rss": []}
    starts = {"portcullis": [], "nginx": []}
    try:
        for _ in range(a.nginx):  # nginx then Portcullis, alternating, each started alone on the same set
            ng = bench.Proxy("nginx", a.out, big, None)
            ng.start()
            starts["nginx"].append(start_timed(ng, last))
            ng.stop()
            bench.log(f"nginx: serving after {fmt(starts['nginx'][-1][0])} s, CPU {fmt(starts['nginx'][-1][1])} s, load {starts['nginx'][-1][2]}")
            if len(starts["nginx"]) < a.nginx:
                p.start()
                starts["portcullis"].append(start_timed(p, last))
                p.stop()
                bench.log(f"portcullis: serving after {fmt(starts['portcullis'][-1][0])} s, CPU {fmt(starts['portcullis'][-1][1])} s, load {starts['portcullis'][-1][2]}")
        bench.log(f"starting portcullis on {n} hostnames/certificates/routes (log: {a.out}/portcullis-big.log)")
        p.start()
        starts["portcullis"].append(start_timed(p, last))
        res["start"] = starts["portcullis"][-1][0]
        if res["start"] is None:
            raise SystemExit(f"portcullis did not serve {last}; see {a.out}/portcullis-big.log")
        time.sleep(1)
        res["rss_start"] = p.rss_mib()
        bench.log(f"serving after {res['start']:.2f} s, CPU {fmt(starts['portcullis'][-1][1])} s, RSS {res['rss_start']:.0f} MiB")
        missing = set(spare)
        rotated = False
        for j, host in enumerate(spare):
            missing.discard(host)
            t0 = time.monotonic()
            write_routes(missing)
            t = until(lambda h=gen.host(host): peer_cert(p.port, h)[1] == "HTTP/1.1 200 OK")
            res["route"].append(None if t is None else time.monotonic() - t0)
            time.sleep(0.5)
            rotated = not rotated
            expected = der_of(certs["rotated" if rotated else "d0"])
            t0 = time.monotonic()
            write_secret("rotated" if rotated else "d0")
            t = until(lambda: peer_cert(p.port, gen.host(0))[0] == expected)
            res["cert"].append(None if t is None else time.monotonic() - t0)
            time.sleep(0.5)
            res["rss"].append(p.rss_mib())
            bench.log(f"change {j + 1}: route {fmt(res['route'][-1])} s, cert rotation {fmt(res['cert'][-1])} s, RSS {res['rss'][-1]:.0f} MiB")
        t0 = time.monotonic()
        bench.write_portcullis_new(big)
        t = bench.wait_for(p.port, "www.dnew.bench", 120)
        res["new"].append(None if t is None else time.monotonic() - t0)
        time.sleep(0.5)
        res["rss"].append(p.rss_mib())
    finally:
        p.stop()
        os.killpg(backend.pid, signal.SIGTERM)
        write_routes(set())
        write_secret("d0")
        if os.path.exists(new_file):
            os.remove(new_file)

    print(f"""
scale, N = {n} hostnames/certificates/HTTPRoutes, Portcullis {" ".join(f"{k}={v}" for k, v in p.env.items())}, log level {a.log_level}
  start to serving {last} (s):            {fmt(res['start'])}
  start, each run: wall s / process CPU s / load average
    portcullis: {"; ".join(f"{fmt(w)} / {fmt(c)} / {l}" for w, c, l in starts["portcullis"])}
    nginx:      {"; ".join(f"{fmt(w)} / {fmt(c)} / {l}" for w, c, l in starts["nginx"]) or "not run (--nginx K)"}
  RSS after start (MiB):                       {fmt(res['rss_start'])}
  route appended -> answers 200 (s):           {summary(res['route'])}
  Secret rotated -> new leaf presented (s):    {summary(res['cert'])}
  new Gateway+Secret+route file -> answers (s): {summary(res['new'])}
  RSS after changes (MiB):                     {summary(res['rss'])}
""")
    stages = [ln for ln in open(os.path.join(a.out, "portcullis-big.log"), errors="replace") if re.search(r"\bstage\b|applied revision", ln)]
    if stages:
        print("stage log (last 40 lines):\n" + "".join(stages[-40:]))


def fmt(v):
    return "n/a" if v is None else f"{v:.2f}"


if __name__ == "__main__":
    main()
