#!/usr/bin/env python3
"""CPU time and allocation per TLS handshake, full and resumed, of Portcullis and nginx (bench/README.md,
"Session 5: tls"). Figures that hold on a busy machine, where handshakes/s does not.

On the 100-host set (run bench/cpu.sh once, or bench/lib.sh's gen_set, to build and generate it), pinned like
bench/run.sh (proxy and backend on CPU 0, load on CPU 1), each candidate in turn, rounds alternated (A B A B):
a warm-up of both loads, then each row for a fixed time, CPU (user + system of the process tree) divided by the
handshakes served; for Portcullis also the bytes allocated per handshake (dotnet-counters, as cpu.py does).

  rows: res   wrk -t1 -c16 'Connection: close': a new connection per request, resumed (wrk keeps its session)
        full  h2load --h1 -cB -nB again and again: B connections of one request each, every one a full handshake
  host: the last of the set (ECDSA P-256, like row 2's), SNI among the set's hostnames

  python3 bench/hs.py --out bench/.out --rounds 2 --variant "base:BIN=bench/.out/bin-base"
  python3 bench/hs.py --out bench/.out --rounds 1 --check      # which loads resume (counts the ServerHellos)
"""
import argparse
import os
import re
import signal
import socket
import statistics
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import cpu  # noqa: E402
import gen  # noqa: E402


def full(port, host, duration, batch):
    """(handshakes completed, failures): h2load batches of one-request connections for `duration` seconds."""
    r = bench.full_handshakes(port, host, duration, batch)
    return r["done"], r["failed"]


def count_server_hellos(port, stop, counts):
    """Reads loopback (AF_PACKET, root) until `stop` is set and counts the ServerHellos sent from `port`: TLS 1.3 with
    the pre_shared_key extension (a resumed session), TLS 1.3 without (full), TLS 1.2 (echoed session id = resumed)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind(("lo", 0))
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            pkt, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue  # loopback shows each packet twice, going out and coming in
        ip = pkt[14:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        tcp = ip[(ip[0] & 15) * 4:]
        if struct.unpack("!H", tcp[:2])[0] != port:
            continue
        data = tcp[(tcp[12] >> 4) * 4:]
        if len(data) < 44 or data[0] != 22 or data[5] != 2:
            continue
        p = 5 + 4 + 2 + 32
        sid = data[p:p + 1 + data[p]]
        p += 1 + data[p] + 3
        end = p + 2 + struct.unpack("!H", data[p:p + 2])[0]
        p += 2
        exts = []
        while p + 4 <= min(end, len(data)):
            t, n = struct.unpack("!HH", data[p:p + 4])
            exts.append(t)
            p += 4 + n
        key = ("tls1.3 resumed" if 41 in exts else "tls1.3 full") if 43 in exts else f"tls1.2 session id {sid.hex()[:16]}"
        counts[key] = counts.get(key, 0) + 1
    s.close()


def check_resumption(proxy, host, out, batch):
    """What each load makes the proxy do: wrk -c4 for 3 s, then one h2load batch, counting ServerHellos."""
    for row in ("res", "full"):
        stop, counts = threading.Event(), {}
        t = threading.Thread(target=count_server_hellos, args=(proxy.port, stop, counts))
        t.start()
        time.sleep(0.3)
        if row == "res":
            bench.wrk(f"https://{host}:{proxy.port}/", 4, 3, out, ("-H", "Connection: close"))
        else:
            full(proxy.port, host, 0.1, batch)
        time.sleep(0.5)
        stop.set()
        t.join()
        bench.log(f"{proxy.name} {row} ServerHellos: {counts}")


def context_switches(root):
    """Voluntary + involuntary context switches of every thread of the process tree: thread hops and wake-ups, which
    depend far less on the machine's load than CPU time does."""
    total = 0
    for pid in bench.tree_pids(root):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    total += sum(int(v) for v in re.findall(r"ctxt_switches:\s+(\d+)", f.read()))
            except OSError:
                pass
    return total


def run_row(row, port, host, duration, out, batch):
    if row == "full":
        return full(port, host, duration, batch)
    r = bench.wrk(f"https://{host}:{port}/", 16, duration, out, ("-H", "Connection: close"))
    return r["requests"], r["errors"] + r["non2xx"]


def measure(proxy, rows, duration, out, warmup, batch, host, alloc=True):
    if warmup > 0:
        for row in rows:
            run_row(row, proxy.port, host, warmup, out, batch)
    results = {}
    for row in rows:
        load0 = os.getloadavg()[0]
        s0, c0, t0 = context_switches(proxy.proc.pid), cpu.cpu_seconds(proxy.proc.pid), time.time()
        done, failed = run_row(row, proxy.port, host, duration, out, batch)
        s1, c1, t1 = context_switches(proxy.proc.pid), cpu.cpu_seconds(proxy.proc.pid), time.time()
        r = {"handshakes": done, "failed": failed, "rate": done / (t1 - t0), "cpu_us": (c1 - c0) * 1e6 / max(done, 1),
             "ctxsw": (s1 - s0) / max(done, 1), "load": load0}
        if proxy.name == "portcullis" and alloc and os.path.exists(cpu.COUNTERS):
            allocated = cpu.allocation(proxy.proc.pid, out, duration, lambda: run_row(row, proxy.port, host, duration, out, batch)[0])
            if "alloc_b" in allocated:
                r["alloc_b"] = allocated["alloc_b"]
        results[row] = r
        bench.log(f"{proxy.name} {row}: {r}")
    return results


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--out", required=True)
    a.add_argument("--proxies", default="portcullis nginx")
    a.add_argument("--rows", default="res full")
    a.add_argument("--duration", type=int, default=10)
    a.add_argument("--warmup", type=int, default=10, help="seconds of each row's load before measuring")
    a.add_argument("--rounds", type=int, default=2)
    a.add_argument("--batch", type=int, default=128, help="connections per h2load run in the full row")
    a.add_argument("--env", default="", help="extra Portcullis environment")
    a.add_argument("--variant", action="append", default=[], help="as cpu.py: LABEL:KEY=VAL,KEY=VAL (BIN=DIR another build)")
    a.add_argument("--no-alloc", action="store_true", help="skip the allocation window after each Portcullis row")
    a.add_argument("--check", action="store_true", help="only count full and resumed handshakes of each load (root)")
    args = a.parse_args()
    small = os.path.join(args.out, "small")
    host = gen.host(bench.n_of(small) - 1)
    with open(os.path.join(args.out, "resolve.lua"), "w") as f:
        f.write(bench.RESOLVE_LUA)
    backend = bench.start_backend(args.out)
    runs = {}
    try:
        for _ in range(args.rounds):
            for label, name, env, bin_dir, set_dir in cpu.candidates(args):
                p = bench.Proxy(name, args.out, set_dir, bin_dir)
                p.env.update(env)
                p.start()
                try:
                    if bench.wait_for(p.port, host, 120, proc=p.proc) is None:
                        raise SystemExit(f"{label} did not serve")
                    bench.log(f"{label}: {env or ''}")
                    if args.check:
                        check_resumption(p, host, args.out, args.batch)
                        continue
                    runs.setdefault(label, []).append(measure(p, args.rows.split(), args.duration, args.out, args.warmup,
                                                              args.batch, host, not args.no_alloc))
                finally:
                    p.stop()
    finally:
        os.killpg(backend.pid, signal.SIGTERM)
    if args.check:
        return
    print(f"\nCPU per handshake (proxy process tree, user+system) on {host}, {args.duration} s per row after "
          f"{args.warmup} s of warm-up, {args.rounds} round(s) alternated, medians (min-max)")
    print("| row | proxy | handshakes/s (loaded) | CPU µs/handshake | ÷ nginx | allocated B/handshake | context switches/handshake | failed | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in args.rows.split():
        ref = statistics.median(r[row]["cpu_us"] for r in runs["nginx"]) if "nginx" in runs else None
        for label, res in runs.items():
            rs = [r[row] for r in res]
            c = statistics.median(r["cpu_us"] for r in rs)
            alloc = f"{statistics.median(r['alloc_b'] for r in rs):,.0f}" if all("alloc_b" in r for r in rs) else "-"
            ratio = f"{c / ref:.2f}" if ref else "-"
            print(f"| {row} | {label} | {statistics.median(r['rate'] for r in rs):,.0f} | {c:,.0f} "
                  f"({min(r['cpu_us'] for r in rs):,.0f}-{max(r['cpu_us'] for r in rs):,.0f}) | {ratio} | {alloc} | "
                  f"{statistics.median(r['ctxsw'] for r in rs):.2f} | "
                  f"{sum(r['failed'] for r in rs)} | {min(r['load'] for r in rs):.1f}-{max(r['load'] for r in rs):.1f} |")


if __name__ == "__main__":
    main()
