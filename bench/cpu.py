#!/usr/bin/env python3
"""CPU time and allocation per request, the figures that do not depend on how busy the machine is (bench/README.md).

Started by bench/cpu.sh. On the 100-host set, for each proxy in turn (pinned like bench/run.sh: proxy and
backend on CPU 0, the load on CPU 1): a warm-up, then each load for a fixed time, and from /proc the CPU
time (user + system) the proxy's process tree used over it, divided by the requests served. For Portcullis
also the bytes the GC allocated per request and the GC counts (dotnet-counters, when installed), from a second
window of the same load: the counters' EventPipe session is never attached while CPU is counted.

  rows: h1  wrk -t1 -c64 keep-alive HTTP/1.1 (1 KiB)
        h2  h2load -t1 -c64 -m10 (HTTP/2 over TLS)
        hs  wrk -t1 -c16 'Connection: close': one TLS handshake per request (wrk resumes the session)
        lat wrk -t1 -c2 keep-alive: one request at a time per connection, row 3's load (p50/p99 latency printed too)
"""
import argparse
import calendar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import gen  # noqa: E402

COUNTERS = shutil.which("dotnet-counters") or os.path.expanduser("~/.dotnet/tools/dotnet-counters")


def cpu_seconds(root):
    """User + system CPU of the process tree (threads included), in seconds."""
    return bench.tree_cpu_seconds(root)


def load(row, port, host, duration, out):
    if row == "h2":
        # No warm-up period here (the proxy is warm): every request counted is one the CPU window saw.
        cmd = ["taskset", "-c", bench.LOAD_CPU, "h2load", "-t1", "-c64", "-m10", "-D", str(duration), *bench.h2load_target(port, host)]
        text = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
        done = re.search(r"requests: .*?(\d+) succeeded", text)
        rps = re.search(r"finished in [^,]+, ([\d.]+) req/s", text)
        return int(done.group(1)) if done else 0, float(rps.group(1)) if rps else 0.0, {}
    extra = ("-H", "Connection: close") if row == "hs" else ()
    conns = {"hs": 16, "lat": 2}.get(row, 64)
    r = bench.wrk(f"https://{host}:{port}/", conns, duration, out, extra)
    return r["requests"], r["rps"], {k: r[k] for k in ("p50", "p99")}


class Counters:
    """dotnet-counters collect over one window: total allocated bytes and GC counts of a .NET process."""

    def __init__(self, pid, out, seconds):
        self.pid, self.file, self.proc, self.seconds = pid, os.path.join(out, f"counters-{pid}.json"), None, seconds

    def __enter__(self):
        if os.path.exists(COUNTERS):
            if os.path.exists(self.file):
                os.remove(self.file)
            self.proc = subprocess.Popen([COUNTERS, "collect", "-p", str(self.pid), "--counters", "System.Runtime",
                                          "--refresh-interval", "1", "--format", "json", "-o", self.file,
                                          "--duration", time.strftime("%H:%M:%S", time.gmtime(self.seconds))],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(2)  # attach before the window starts
        return self

    def __exit__(self, *exc):
        if self.proc:
            # It stops by itself after --duration, and only then is its file complete.
            try:
                self.proc.wait(self.seconds + 30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def totals(self, start, end):
        """{counter: sum of its per-interval rates} between two wall-clock times (epoch seconds)."""
        if not self.proc or not os.path.exists(self.file):
            return {}
        text = open(self.file).read()
        try:
            events = json.loads(text)["Events"]
        except (ValueError, KeyError):
            return {}
        sums = {}
        for e in events:
            t = calendar.timegm(time.strptime(e["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
            if start <= t <= end + 1.5 and e.get("counterType") == "Rate":
                key = e["name"].split(" ")[0] + (f"[{e['tags']}]" if e.get("tags") else "")
                sums[key] = sums.get(key, 0) + e["value"]
        return sums


def allocation(pid, out, seconds, run):
    """Bytes allocated per item ("alloc_b") and GC counts ("gc") over a second window of the same load, `run()` being
    that load (it returns the items it served: requests, handshakes). dotnet-counters' EventPipe session costs the
    process ~4% more CPU per h1 request, so it is never attached while CPU is counted (bench/README.md, "Session 20")."""
    with Counters(pid, out, seconds + 5) as counters:
        t0 = time.time()
        served = run()
        t1 = time.time()
    sums = counters.totals(t0, t1)
    r = {"gc": {k.split("=")[-1].rstrip("]"): int(v) for k, v in sums.items() if k.startswith("dotnet.gc.collections")}}
    if "dotnet.gc.heap.total_allocated" in sums:
        r["alloc_b"] = sums["dotnet.gc.heap.total_allocated"] / max(served, 1)
    return r


def measure(proxy, rows, duration, out, warmup=30, alloc=True):
    """rows: names (h1, h2, hs) run for `duration` each, or timeline windows 'h1@END' (see --timeline)."""
    host = gen.host(0)
    results = {}
    if warmup > 0:
        # Warm-up with each measured load in turn, as bench.py warms every proxy: the JIT tiers a load's own code
        # (handshakes for hs, Kestrel's HTTP/2 for h2) only under that load, and under h1 keeps compiling until ~30 s
        # after the start; work it had left would be counted as the row's CPU (bench/README.md, "Session 19").
        for kind in dict.fromkeys(row.partition("@")[0] for row in rows):
            load(kind, proxy.port, host, warmup, out)
    elapsed = 0
    for row in rows:
        kind, _, end = row.partition("@")
        seconds = int(end) - elapsed if end else duration
        elapsed += seconds
        probe0 = bench.memprobe(out)  # the machine's own slow mode shows here (bench.py, bench/README.md "Session 10")
        c0 = cpu_seconds(proxy.proc.pid)
        requests, rps, latency = load(kind, proxy.port, host, seconds, out)
        c1 = cpu_seconds(proxy.proc.pid)
        r = {"requests": int(requests), "rps": rps, "cpu_us": (c1 - c0) * 1e6 / max(requests, 1), **latency,
             "probe_ns": max(probe0, bench.memprobe(out), key=lambda v: -1 if v != v else v)}
        # Not on timeline windows: attaching takes 2 s without load between them.
        if proxy.name == "portcullis" and not end and alloc and os.path.exists(COUNTERS):
            r.update(allocation(proxy.proc.pid, out, seconds, lambda: load(kind, proxy.port, host, seconds, out)[0]))
        results[row] = r
        bench.log(f"{proxy.name} {row}: {r}")
    return results


def candidates(args):
    """(label, proxy name, env, bin dir, set dir): the proxies, then each --variant (of Portcullis unless PROXY=)."""
    small = os.path.join(args.out, "small")
    out = []
    for name in args.proxies.split():
        env = dict(kv.split("=", 1) for kv in args.env.split()) if name == "portcullis" else {}
        out.append((name, name, env, os.path.join(args.out, "bin"), small))
    for v in args.variant:
        label, _, spec = v.partition(":")
        env = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
        name = env.pop("PROXY", "portcullis")
        out.append((f"{name}[{label}]", name, env, env.pop("BIN", os.path.join(args.out, "bin")), env.pop("SET", small)))
    return out


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--out", required=True)
    a.add_argument("--proxies", default="portcullis nginx")
    a.add_argument("--rows", default="h1 h2 hs")
    a.add_argument("--duration", type=int, default=8)
    a.add_argument("--warmup", type=int, default=30,
                   help="seconds of each row's load before the rows (JIT tiering, pools; under h1 the tiering thread "
                        "compiles until ~30 s after the start, and a load's own code only under that load)")
    a.add_argument("--rounds", type=int, default=1, help="candidates alternate (A B A B); cells are medians")
    a.add_argument("--env", default="", help="extra Portcullis environment, e.g. 'DOTNET_gcServer=0 DOTNET_GCgen0size=0x4000000'")
    a.add_argument("--no-alloc", action="store_true",
                   help="skip the allocation window that follows each Portcullis row (dotnet-counters attached: its own "
                        "window, since the EventPipe session costs CPU)")
    a.add_argument("--variant", action="append", default=[],
                   help="another Portcullis run, LABEL:KEY=VAL,KEY=VAL (BIN=DIR runs another build), e.g. ws:DOTNET_gcServer=0; "
                        "PROXY=nginx runs a peer instead, SET=DIR another copy of the set (e.g. its nginx.conf answering itself)")
    a.add_argument("--timeline", default="",
                   help="h1 load from the first request on, measured per window ending at these seconds, e.g. '5,15,60' "
                        "(replaces --rows and --warmup): how fast the proxy reaches its steady state")
    args = a.parse_args()
    if args.timeline:
        args.rows, args.warmup = " ".join(f"h1@{t}" for t in args.timeline.split(",")), 0
    with open(os.path.join(args.out, "resolve.lua"), "w") as f:
        f.write(bench.RESOLVE_LUA)
    backend = bench.start_backend(args.out)
    runs = {}
    try:
        for _ in range(args.rounds):
            for label, name, env, bin_dir, set_dir in candidates(args):
                p = bench.Proxy(name, args.out, set_dir, bin_dir)
                p.env.update(env)
                p.start()
                try:
                    if bench.wait_for(p.port, gen.host(0), 120, proc=p.proc) is None:
                        raise SystemExit(f"{label} did not serve")
                    bench.log(f"{label}: {env or ''}")
                    runs.setdefault(label, []).append(measure(p, args.rows.split(), args.duration, args.out, args.warmup, not args.no_alloc))
                finally:
                    p.stop()
    finally:
        os.killpg(backend.pid, signal.SIGTERM)
    print(f"\nCPU per request (proxy process tree, user+system), {args.duration} s per row, {args.rounds} round(s), "
          f"medians; Portcullis env: bench defaults {args.env}")
    print("| row | proxy | requests | req/s | CPU µs/request | allocated B/request | GCs gen0/1/2 | p50 / p99 ms | memprobe ns |")
    print("|---|---|---|---|---|---|---|---|---|")
    med = {}
    for row in args.rows.split():
        for label, res in runs.items():
            rs = [r[row] for r in res]
            m = {k: statistics.median(r[k] for r in rs) for k in ("requests", "rps", "cpu_us")}
            if all("alloc_b" in r for r in rs):
                m["alloc_b"] = statistics.median(r["alloc_b"] for r in rs)
            med[(row, label)] = m
            spread = f" ({min(r['cpu_us'] for r in rs):.1f}-{max(r['cpu_us'] for r in rs):.1f})" if len(rs) > 1 else ""
            alloc = f"{m['alloc_b']:,.0f}" if "alloc_b" in m else "-"
            gcs = "/".join(str(rs[-1].get("gc", {}).get(f"gen{g}", "-")) for g in range(3)) if "gc" in rs[-1] else "-"
            lat = (f"{statistics.median(r['p50'] for r in rs):.3f} / {statistics.median(r['p99'] for r in rs):.2f}"
                   if all("p50" in r for r in rs) else "-")
            probes = ", ".join(f"{r['probe_ns']:.1f}" if r["probe_ns"] == r["probe_ns"] else "-" for r in rs)
            print(f"| {row} | {label} | {m['requests']:,.0f} | {m['rps']:,.0f} | {m['cpu_us']:.1f}{spread} | {alloc} | {gcs} | {lat} | {probes} |")
    if "nginx" in runs:
        for row in args.rows.split():
            for label in runs:
                if label != "nginx":
                    # Round by round as well, as bench.py's table: a round's two windows ran minutes apart at most, the medians' may not have.
                    mine, peer = [r[row]["cpu_us"] for r in runs[label]], [r[row]["cpu_us"] for r in runs["nginx"]]
                    each = f" (round by round: {bench.ratio(mine, peer)})" if len(mine) > 1 else ""
                    print(f"{row}: CPU per request {label} / nginx = {med[(row, label)]['cpu_us'] / med[(row, 'nginx')]['cpu_us']:.2f}{each}")


if __name__ == "__main__":
    main()
