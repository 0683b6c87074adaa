#!/usr/bin/env python3
"""Drives issue 4's rows against Portcullis and its peers; started by bench/run.sh (read README.md).

CPU pinning, the same for every peer: the proxy and the backend on CPU 0, the load generator on CPU 1.
"""
import argparse
import datetime
import json
import os
import re
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

PROXY_CPU, LOAD_CPU = "0", "1"
# What every load offers for TLS 1.3: OpenSSL 3's default client order, the one wrk and curl offer. h2load's own
# default puts TLS_AES_128_GCM_SHA256 first; a proxy that follows the client's order (nginx) then did SHA-256 and
# AES-128 work while one that keeps its own (Portcullis, HAProxy: AES-256 first) did SHA-384 and AES-256 work, and so
# did h2load against it. The same offer to every proxy gives each the suite the same client gets from it.
TLS13_OFFER = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
NEGOTIATED = {}  # proxy -> {load: "TLSv1.3 TLS_AES_256_GCM_SHA384"} for the report
BUILD_KIND = os.environ.get("PORTCULLIS_BUILD_KIND", "dotnet build")  # bench/lib.sh says how bin was made
ADMIN = f"127.0.0.1:{18901 + gen.OFFSET}"
# Portcullis runs as the container image runs it: with the runtime settings its build ships
# (src/Portcullis.Cli/Portcullis.Cli.csproj: workstation GC, TieredPGO, a 10 ms call-counting delay) and the GC's gen0
# budget the image's environment sets (Dockerfile: the GC reads it only from the environment); extra settings are for
# comparisons (cpu.py --variant).
_GEN0 = re.search(r"DOTNET_GCgen0size=(\w+)", open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Dockerfile")).read())
PORTCULLIS_ENV = {"DOTNET_GCgen0size": _GEN0.group(1)} if _GEN0 else {}
RESOLVE_LUA = """-- every hostname is served on loopback: connect to 127.0.0.1 while the URL's host stays the SNI and Host
function wrk.resolve(host, service) wrk.addrs = wrk.lookup("127.0.0.1", service) end
"""


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


# ---------------------------------------------------------------- processes

class Proxy:
    def __init__(self, name, out, set_dir, bin_dir):
        self.name, self.out, self.set, self.bin = name, out, set_dir, bin_dir
        self.port = gen.PORTS[name]
        self.proc = None
        self.log_level, self.env = "Warning", dict(PORTCULLIS_ENV)  # bench/scale.py changes both
        self.state = {"endpoint": "127.0.0.1", "d0": os.path.join(set_dir, "certs", "d0")}

    def start(self):
        env = dict(os.environ)
        if self.name == "portcullis":
            env.update(self.env)
            cmd = [os.path.join(self.bin, "portcullis"), "run", "--config", os.path.join(self.set, "portcullis"),
                   "--bind-address", "127.0.0.1", "--admin", ADMIN, "--log-level", self.log_level]
        elif self.name == "nginx":
            cmd = ["nginx", "-c", os.path.join(self.set, "nginx.conf"), "-g", "daemon off;"]
        elif self.name == "haproxy":
            cmd = ["haproxy", "-W", "-db", "-f", os.path.join(self.set, "haproxy.cfg")]
        elif self.name.startswith("floor"):
            # Not a proxy to rank: the least .NET can do per keep-alive request (bench/Portcullis.Floor).
            env["FLOOR_MODE"] = self.name.partition("-")[2] or "direct"
            env["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1"  # as Portcullis sets for itself
            d0 = os.path.join(self.set, "certs", "d0")
            cmd = [os.path.join(self.out, "floor", "floor"), str(self.port), os.path.join(d0, "tls.crt"),
                   os.path.join(d0, "tls.key"), "127.0.0.1", str(gen.BACKEND_PORT)]
        else:
            env.update({"XDG_DATA_HOME": os.path.join(self.set, "caddy-data"), "XDG_CONFIG_HOME": os.path.join(self.set, "caddy-config")})
            cmd = ["caddy", "run", "--config", os.path.join(self.set, "Caddyfile"), "--adapter", "caddyfile"]
        logf = open(os.path.join(self.out, f"{self.name}-{os.path.basename(self.set)}.log"), "ab")
        self.proc = subprocess.Popen(["taskset", "-c", PROXY_CPU] + cmd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def rss_mib(self):
        return tree_rss_kib(self.proc.pid) / 1024

    def peak_rss_mib(self):
        return tree_rss_kib(self.proc.pid, "VmHWM") / 1024

    def write_peer_config(self):
        gen.peer_configs(self.set, n_of(self.set), self.state)

    def reload(self):
        """Applies self.state: files for Portcullis (its watcher picks them up), config + reload for peers."""
        if self.name == "portcullis":
            return
        self.write_peer_config()
        if self.name == "nginx":
            subprocess.run(["nginx", "-c", os.path.join(self.set, "nginx.conf"), "-s", "reload"], check=True, capture_output=True)
        elif self.name == "haproxy":
            os.kill(self.proc.pid, signal.SIGUSR2)  # master-worker mode (-W): re-reads the configuration
        else:
            subprocess.run(["caddy", "reload", "--config", os.path.join(self.set, "Caddyfile"), "--adapter", "caddyfile",
                            "--address", gen.CADDY_ADMIN], check=True, capture_output=True)


def n_of(set_dir):
    with open(os.path.join(set_dir, "N")) as f:
        return int(f.read())


def tree_pids(root):
    """The process and its descendants (nginx master + worker, HAProxy master + worker)."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except OSError:
                pass
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def tree_rss_kib(root, field="VmRSS"):
    """Resident KiB of the process tree now, or with field="VmHWM" the sum of each process's peak since it started."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                m = re.search(field + r":\s+(\d+)", f.read())
                total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total


def tree_cpu_seconds(root, reaped=False):
    """User + system CPU seconds of the process tree (threads included), from /proc; with `reaped`, also the CPU of
    children it has waited for (a start that forks helpers and reaps them)."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15 if reaped else 13])  # utime stime [cutime cstime]
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def probe(port, hostname, path="/"):
    """One HTTPS request with SNI and Host = hostname; True when it answers 200 with hostname's certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, ctx.wrap_socket(raw, server_hostname=hostname) as s:
            if hostname.encode() not in s.getpeercert(binary_form=True):
                return False
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {hostname}\r\nConnection: close\r\n\r\n".encode())
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def wait_for(port, hostname, timeout, interval=0.01, proc=None):
    start = time.monotonic()
    while time.monotonic() - start < timeout and (proc is None or proc.poll() is None):
        if probe(port, hostname):
            return time.monotonic() - start
        time.sleep(interval)
    return None


# ---------------------------------------------------------------- load generators

def cpu_busy(cpu):
    """(busy, total) jiffies of one CPU since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                return sum(v) - v[3] - v[4], sum(v)
    return 0, 0


SETTLE_WAITS = []  # (after, seconds waited, settled?) for the log and the report


def settle(after, quiet=0.15, window=0.5, limit=30.0):
    """Waits until the proxies' CPU is quiet (busy below `quiet` over `window` s, at most `limit` s) before the next
    cell. A proxy can stay busy after its load ends (Caddy at 10,000 hosts works through its backlog and its GC for
    seconds), and the next cell on the same CPU, always the same proxy in A B C D order, paid for it."""
    t0 = time.monotonic()
    while True:
        b0, t0j = cpu_busy(PROXY_CPU)
        time.sleep(window)
        b1, t1j = cpu_busy(PROXY_CPU)
        busy = (b1 - b0) / max(1, t1j - t0j)
        waited = time.monotonic() - t0
        if busy < quiet or waited >= limit:
            SETTLE_WAITS.append((after, waited, busy < quiet))
            if waited > 2 * window:
                log(f"settle: CPU {PROXY_CPU} quiet {waited:.1f} s after {after}" if busy < quiet
                    else f"settle: CPU {PROXY_CPU} still {busy:.0%} busy {waited:.1f} s after {after}; measuring anyway")
            return


SHARED_CELLS = []  # (cell, share of CPU 0 other processes took while it ran) for the log and the report
PROBES = []  # (cell, memory latency in ns before, after) for the report and results.json
# The probe's working set, and "contended": both readings above 1.3x the run's 10th percentile. Calibrated in session 10
# against nginx's CPU per h1 request (bench/README.md, "Session 10"): 8.7-11.9 ns in cells where nginx took 37-41 µs
# (two cells higher), 13.4-17 ns where it took 47-67 µs (one reading lower).
MEMPROBE_KIB, MEMPROBE_STEPS, CONTENDED = 1024, 5_000_000, 1.3


def memprobe(out):
    """ns per dependent load over 1 MiB on the proxies' CPU (bench/memprobe.c, built by run.sh), NaN without it.
    It rises when something outside this VM contends for the core's caches, which slows every proxy down (by a third
    for nginx) and which no counter inside the VM shows (no steal time is accounted)."""
    exe = os.path.join(out, "memprobe")
    if not os.path.exists(exe):
        return float("nan")
    r = subprocess.run(["taskset", "-c", PROXY_CPU, exe, str(MEMPROBE_KIB), str(MEMPROBE_STEPS)], capture_output=True, text=True,
                       timeout=60)
    try:
        return float(r.stdout)
    except ValueError:
        return float("nan")


class Shared:
    """Measures what else ran on the proxy's CPU during one cell: CPU 0's busy time minus the proxy's and the backend's
    process trees. A cell that shares its core with another process (a build, a stray load) is slower for reasons that
    are not the proxy's; settle() only checks that the core is quiet when the cell starts. It also runs the memory
    probe just before and after the cell (PROBES)."""

    def __init__(self, cell, out, *roots):
        self.cell, self.out, self.roots = cell, out, roots

    def __enter__(self):
        self.probe0 = memprobe(self.out)  # before the counters: the probe's own CPU is not another process's share
        self.busy0, self.total0 = cpu_busy(PROXY_CPU)
        self.own0 = sum(tree_cpu_seconds(r) for r in self.roots)
        return self

    def __exit__(self, *exc):
        busy1, total1 = cpu_busy(PROXY_CPU)
        own = sum(tree_cpu_seconds(r) for r in self.roots) - self.own0
        ticks = os.sysconf("SC_CLK_TCK")
        others = max(0.0, (busy1 - self.busy0) / ticks - own) / max(1e-9, (total1 - self.total0) / ticks)
        if others > 0.05:
            SHARED_CELLS.append((self.cell, others))
            log(f"shared: other processes took {others:.0%} of CPU {PROXY_CPU} during {self.cell}")
        PROBES.append((self.cell, self.probe0, memprobe(self.out)))
        return False


def to_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]


def wrk(url, conns, duration, out, extra=()):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency", "-s",
           os.path.join(out, "resolve.lua"), *extra, url]
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)) if "Requests/sec" in text else 0.0}
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
        r[f"p{p}"] = to_ms(m.group(1)) if m else float("nan")
    # wrk's percentiles include its coordinated-omission correction: one stall of S ms on a connection that normally
    # answers every I ms adds S/I synthetic samples from I to S ms, so with two fast connections a single 150 ms stall
    # is a 70-130 ms p99. The longest single response (Max) tells one stall from many.
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", text, re.M)
    r["max"] = to_ms(m.group(1)) if m else float("nan")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["errors"] = sum(map(int, m.groups())) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"(\d+) requests in", text)
    r["requests"] = int(m.group(1)) if m else 0
    return r


def h2load_target(port, hostname):
    """The end of every h2load command: the bench's TLS 1.3 offer, and the hostname (SNI, Host) reached on loopback."""
    return ["--tls13-ciphers", TLS13_OFFER, "--connect-to", f"127.0.0.1:{port}", f"https://{hostname}:{port}/"]


def h2load(port, hostname, duration):
    cmd = ["taskset", "-c", LOAD_CPU, "h2load", "-t1", "-c64", "-m10", "-D", str(duration), "--warm-up-time", "1",
           *h2load_target(port, hostname)]
    text = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    m = re.search(r"finished in [^,]+, ([\d.]+) req/s", text)
    f = re.search(r"requests: .*?(\d+) succeeded, (\d+) failed, (\d+) errored", text)
    return {"rps": float(m.group(1)) if m else 0.0, "failed": int(f.group(2)) + int(f.group(3)) if f else -1}


def full_handshakes(port, hostname, duration, batch=128):
    """Full TLS handshakes per second: h2load opens `batch` connections of one HTTP/1.1 request each, again and
    again for `duration` seconds. Every connection of one h2load run handshakes in full (h2load resumes only when
    one of its clients reconnects, which one request per client never does), with SNI = hostname."""
    done = failed = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < duration:
        cmd = ["taskset", "-c", LOAD_CPU, "h2load", "--h1", "-t1", f"-c{batch}", f"-n{batch}", *h2load_target(port, hostname)]
        text = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
        f = re.search(r"requests: .*?(\d+) succeeded, (\d+) failed, (\d+) errored", text)
        if not f:
            failed += batch
            continue
        done += int(f.group(1))
        failed += int(f.group(2)) + int(f.group(3))
    return {"rps": done / (time.monotonic() - t0), "done": done, "failed": failed}


def negotiated(port, hostname):
    """The TLS version and cipher suite the proxy picks for each load's offer: wrk's (OpenSSL's defaults, asked with
    `openssl s_client`, which has the same) and h2load's (one HTTP/1.1 request with the bench's offer)."""
    def output(cmd, stdin=None):
        try:
            return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30).stdout
        except subprocess.TimeoutExpired:
            return ""  # reported as "?": the probe says nothing, the run goes on
    s = output(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", hostname], "")
    m = re.search(r"^New, (\S+), Cipher is (\S+)", s, re.M)
    h = output(["h2load", "--h1", "-n1", "-c1", *h2load_target(port, hostname)])
    hv, hc = re.search(r"TLS Protocol: (\S+)", h), re.search(r"Cipher: (\S+)", h)
    return {"wrk": f"{m.group(1)} {m.group(2)}" if m else "?",
            "h2load": f"{hv.group(1)} {hc.group(1)}" if hv and hc else "?"}


def openssl_speed(alg):
    text = subprocess.run(["taskset", "-c", PROXY_CPU, "openssl", "speed", "-seconds", "3", alg], capture_output=True, text=True).stdout
    line = [ln for ln in text.splitlines() if re.match(r"^\s*(rsa 2048|256 bits ecdsa)", ln)]
    nums = re.findall(r"[\d.]+", line[-1].split("s ", 1)[-1]) if line else []
    # columns: sign time, verify time, sign/s, verify/s
    return float(line[-1].split()[-2]) if line and nums else float("nan")


# ---------------------------------------------------------------- rows

class Results:
    def __init__(self):
        self.rows = []  # (row, metric, better, {proxy: [values]})

    def add(self, row, metric, better, proxy, value):
        for r in self.rows:
            if r[0] == row and r[1] == metric:
                r[3].setdefault(proxy, []).append(value)
                return
        self.rows.append((row, metric, better, {proxy: [value]}))


def fmt(v):
    if v != v:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"


def cell(vals):
    if not vals:
        return "-"
    med = statistics.median(vals)
    return fmt(med) if len(vals) == 1 else f"{fmt(med)} ({fmt(min(vals))}–{fmt(max(vals))})"


def ratio(a, b):
    """Portcullis ÷ peer for one cell. With a value per round from both, the median of the round-by-round ratios and
    their range: the two cells of a round ran within a minute of each other, so a slow spell of the machine that spans
    a round moves both and cancels, where the ratio of the two medians can pair a fast round of one with a slow round
    of the other (bench/README.md, "Reading the table"). '-' where a ratio says nothing: a peer at zero (no failures)
    or a value below zero (an added latency under the noise)."""
    if len(a) == len(b) > 1:
        pairs = list(zip(a, b))
    else:
        pairs = [(statistics.median(a), statistics.median(b))] if a and b else []
    pairs = [(x, y) for x, y in pairs if x == x and y == y]  # a NaN is a cell that did not answer
    if not pairs or any(x < 0 or y <= 0 for x, y in pairs):
        return "-"
    rs = [x / y for x, y in pairs]
    med = statistics.median(rs)
    return f"{med:.2f}" if len(rs) == 1 else f"{med:.2f} ({min(rs):.2f}–{max(rs):.2f})"


def table(results, proxies):
    peers = [p for p in proxies if p != "portcullis"]
    head = "| row | metric | " + " | ".join(proxies) + " | " + " | ".join(f"P/{p}" for p in peers) + " |"
    lines = [head, "|" + "---|" * (2 + len(proxies) + len(peers))]
    for row, metric, better, vals in results.rows:
        cells = [cell(vals.get(p, [])) for p in proxies]
        ratios = [ratio(vals.get("portcullis", []), vals.get(p, [])) for p in peers]
        arrow = {"high": " ↑", "low": " ↓"}.get(better, "")
        lines.append(f"| {row} | {metric}{arrow} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def slow_rounds(results, proxies, below=0.85):
    """Rounds of the throughput rows in which every proxy, or all but one of three or more, ran over 15% below its own
    median: the cells of one round follow each other within a minute, so that is the machine slowing down (the slow
    mode of bench/README.md "Session 10"), not a proxy. A round in which only Portcullis was slow is not listed."""
    found = []
    for row, metric, better, vals in results.rows:
        if better != "high" or metric not in ("req/s", "handshakes/s") or row.startswith("3"):
            continue
        runs = {p: vals[p] for p in proxies if len(vals.get(p, [])) > 1}
        if len(runs) < 2:
            continue
        medians = {p: statistics.median(v) for p, v in runs.items()}
        for r in range(min(len(v) for v in runs.values())):
            slow = {p: v[r] / medians[p] - 1 for p, v in runs.items() if v[r] < below * medians[p]}
            if len(slow) >= max(2, len(runs) - 1):  # both of two, all but one of three or more
                found.append(f"{row.split(',')[0]} round {r + 1} (" + ", ".join(f"{p} {d:+.0%}" for p, d in slow.items()) + ")")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", default="full")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--peers", default="nginx haproxy caddy")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks that stop the proxies
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    quick = a.mode == "quick"
    rounds, dur = (2, 3) if quick else (3, 8)
    warm = 10 if quick else 30  # seconds per load kind and proxy before rows 1-3
    reloads, reload_interval = (30, 0.1) if quick else (100, 0.2)
    out, big, small = a.out, os.path.join(a.out, "big"), os.path.join(a.out, "small")
    with open(os.path.join(small, "N"), "w") as f:
        f.write("100")
    with open(os.path.join(out, "resolve.lua"), "w") as f:
        f.write(RESOLVE_LUA)
    names = ["portcullis"] + [p for p in a.peers.split() if subprocess.run(["which", p], capture_output=True).returncode == 0]
    res = Results()
    last = gen.host(a.n - 1)

    backend = start_backend(out)
    procs = []
    try:
        # ---- row 4 (scale): start each proxy alone on N hostnames/certs/routes, time to serving the last hostname
        for name in names:
            p = Proxy(name, out, big, os.path.join(out, "bin"))
            log(f"row 4: starting {name} with {a.n} hostnames/certificates/routes")
            t0 = time.monotonic()
            p.start()
            t = wait_for(p.port, last, 600, 0.05, p.proc)
            res.add("4 scale", f"start to serving {last} (s)", "low", name, t if t is not None else float("nan"))
            if t is None:
                log(f"{name} did not serve {last} within 600 s; see {out}/{name}-big.log")
                p.stop()
                continue
            time.sleep(1)
            res.add("4 scale", "RSS after start (MiB)", "low", name, p.rss_mib())
            procs.append(p)
        serving = [p.name for p in procs]

        # ---- warm-up: every proxy gets the same load once before the measured rounds, so rows 1-3 measure the
        # steady state a long-running proxy is in (for Portcullis: JIT tiering done, pools filled), not its first seconds
        for p in procs:
            log(f"warm-up: {warm} s of each load on {p.name}")
            wrk(f"https://{gen.host(0)}:{p.port}/", 64, warm, out)
            h2load(p.port, gen.host(0), warm)
            wrk(f"https://{last}:{p.port}/", 16, warm, out, ["-H", "Connection: close"])
            NEGOTIATED[p.name] = negotiated(p.port, last)

        # ---- rows 1-3, A B A B: every round runs each proxy once, in turn
        prev = "warm-up"
        for rnd in range(rounds):
            log(f"rows 1-3: round {rnd + 1}/{rounds}")
            for p in procs:
                settle(f"{prev}")
                prev = f"{p.name} h1"
                with Shared(f"{prev} round {rnd + 1}", out, p.proc.pid, backend.pid):
                    r = wrk(f"https://{gen.host(0)}:{p.port}/", 64, dur, out)
                res.add("1 h1 keep-alive 64c", "req/s", "high", p.name, r["rps"])
                res.add("1 h1 keep-alive 64c", "p50 ms", "low", p.name, r["p50"])
                res.add("1 h1 keep-alive 64c", "p99 ms", "low", p.name, r["p99"])
                res.add("1 h1 keep-alive 64c", "max ms", "low", p.name, r["max"])
            for p in procs:
                settle(prev)
                prev = f"{p.name} h2"
                with Shared(f"{prev} round {rnd + 1}", out, p.proc.pid, backend.pid):
                    r = h2load(p.port, gen.host(0), dur)
                res.add("1 h2 64c×10 streams", "req/s", "high", p.name, r["rps"])
            for p in procs:
                settle(prev)
                prev = f"{p.name} resumed handshakes"
                with Shared(f"{prev} round {rnd + 1}", out, p.proc.pid, backend.pid):
                    r = wrk(f"https://{last}:{p.port}/", 16, dur, out, ["-H", "Connection: close"])
                res.add(f"2 new TLS connection per request (wrk resumes), SNI among {a.n}", "handshakes/s", "high", p.name, r["rps"])
            for p in procs:
                settle(prev)
                prev = f"{p.name} full handshakes"
                with Shared(f"{prev} round {rnd + 1}", out, p.proc.pid, backend.pid):
                    r = full_handshakes(p.port, last, dur)
                res.add(f"2 full TLS handshake per request (h2load, no resumption), SNI among {a.n}", "handshakes/s", "high", p.name, r["rps"])
                res.add(f"2 full TLS handshake per request (h2load, no resumption), SNI among {a.n}", "failed", "low", p.name, r["failed"])
            settle(prev)
            prev = "backend direct"
            direct = wrk(f"http://127.0.0.1:{gen.BACKEND_PORT}/", 2, dur, out)
            res.add("3 latency 2c", "backend direct p50 ms", "low", "portcullis", direct["p50"])
            for p in procs:
                settle(prev)
                prev = f"{p.name} latency"
                with Shared(f"{prev} round {rnd + 1}", out, p.proc.pid, backend.pid):
                    r = wrk(f"https://{gen.host(0)}:{p.port}/", 2, dur, out)
                res.add("3 latency 2c", "req/s", "high", p.name, r["rps"])  # low with a high p99: time spent stalled
                res.add("3 latency 2c", "p50 ms", "low", p.name, r["p50"])
                res.add("3 latency 2c", "p99 ms", "low", p.name, r["p99"])
                res.add("3 latency 2c", "max ms", "low", p.name, r["max"])  # one stall or many: see wrk() on its p99
                res.add("3 latency 2c", "added p50 ms", "low", p.name, r["p50"] - direct["p50"])
                res.add("3 latency 2c", "added p99 ms", "low", p.name, r["p99"] - direct["p99"])
        for p in procs:
            res.add("4 scale", "RSS after rows 1-3 (MiB)", "low", p.name, p.rss_mib())
            res.add("4 scale", "peak RSS since start, rows 1-3 included (MiB)", "low", p.name, p.peak_rss_mib())

        # ---- row 4 (convergence): add www.dnew.bench (certificate + route) and time until it answers
        for p in procs:
            t0 = time.monotonic()
            if p.name == "portcullis":
                write_portcullis_new(big)
            else:
                p.state["new"] = True
                p.reload()
            t = wait_for(p.port, "www.dnew.bench", 300)
            res.add("4 scale", "convergence: new host+cert+route (s)", "low", p.name, time.monotonic() - t0 if t is not None else float("nan"))
        for p in procs:
            p.stop()
        procs = []
        if os.path.exists(os.path.join(big, "portcullis", "40-new.yaml")):
            os.remove(os.path.join(big, "portcullis", "40-new.yaml"))

        # ---- row 5 (churn): reloads while wrk runs, on the 100-host set, one proxy at a time
        for name in serving:
            p = Proxy(name, out, small, os.path.join(out, "bin"))
            gen.portcullis_static(os.path.join(small, "portcullis"), 100)
            gen.peer_configs(small, 100, p.state)
            p.start()
            if wait_for(p.port, gen.host(0), 120, proc=p.proc) is None:
                log(f"{name} (100 hosts) did not start")
                p.stop()
                continue
            log(f"row 5: {reloads} reloads on {name} under load")
            load = subprocess.Popen(["taskset", "-c", LOAD_CPU, "wrk", "-t1", "-c16", f"-d{int(reloads * reload_interval + 3)}s",
                                     "--latency", "-s", os.path.join(out, "resolve.lua"), f"https://{gen.host(0)}:{p.port}/"],
                                    stdout=subprocess.PIPE, text=True)
            time.sleep(1)
            for i in range(reloads):
                churn(p, small, i)
                time.sleep(reload_interval)
            text = load.communicate()[0]
            with open(os.path.join(out, f"churn-{name}.txt"), "w") as f:
                f.write(text)
            r = parse_wrk_text(text)
            res.add(f"5 churn: {reloads} reloads", "failed requests", "low", name, r["errors"] + r["non2xx"])
            res.add(f"5 churn: {reloads} reloads", "req/s", "high", name, r["rps"])
            res.add(f"5 churn: {reloads} reloads", "p99 ms", "low", name, r["p99"])
            p.stop()
            gen.portcullis_static(os.path.join(small, "portcullis"), 100)  # back to the initial state
            extra = os.path.join(small, "portcullis", "40-extra.yaml")
            if os.path.exists(extra):
                os.remove(extra)
    finally:
        for p in procs:
            p.stop()
        os.killpg(backend.pid, signal.SIGTERM)

    ec = openssl_speed("ecdsap256")
    rsa = openssl_speed("rsa2048")
    report(out, a, names, res, rounds, dur, warm, reloads, ec, rsa)


def parse_wrk_text(text):
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)) if "Requests/sec" in text else 0.0}
    m = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    r["p99"] = to_ms(m.group(1)) if m else float("nan")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["errors"] = sum(map(int, m.groups())) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    return r


def churn(p, small, i):
    """Reload i: i%3 == 0 a route change, 1 an endpoint change, 2 a certificate rotation (domain 0)."""
    op = i % 3
    if op == 0:
        p.state["extra"] = not p.state.get("extra")
    elif op == 1:
        p.state["endpoint"] = "127.0.0.2" if p.state["endpoint"] == "127.0.0.1" else "127.0.0.1"
    else:
        rotated = os.path.join(small, "certs", "d0-rotated")
        p.state["d0"] = os.path.join(small, "certs", "d0") if p.state["d0"] == rotated else rotated
    if p.name != "portcullis":
        p.reload()
        return
    cfg = os.path.join(small, "portcullis")
    if op == 0:
        path = os.path.join(cfg, "40-extra.yaml")
        if p.state["extra"]:
            gen.write(path, gen.portcullis_route(0, "gw0", gen.host(0), name="extra").replace("PathPrefix", "Exact").replace("value: /\n", "value: /extra\n"))
        else:
            os.remove(path)
    elif op == 1:
        gen.portcullis_endpoints(cfg, p.state["endpoint"])
    else:
        gen.write(os.path.join(cfg, "21-secret-d0.yaml"),
                  gen.portcullis_secret(cfg, 0, os.path.join(p.state["d0"], "tls.crt"), os.path.join(p.state["d0"], "tls.key")))


def write_portcullis_new(big):
    cfg = os.path.join(big, "portcullis")
    d = os.path.join(big, "certs", "dnew")
    gw = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gwnew\nspec:\n  gatewayClassName: portcullis\n"
          f"  listeners:\n    - name: dnew\n      protocol: HTTPS\n      port: {gen.PORTS['portcullis']}\n      hostname: www.dnew.bench\n"
          "      tls:\n        mode: Terminate\n        certificateRefs:\n          - name: dnew-cert\n")
    secret = gen.portcullis_secret(cfg, 0, os.path.join(d, "tls.crt"), os.path.join(d, "tls.key")).replace("d0-cert", "dnew-cert")
    gen.write(os.path.join(cfg, "40-new.yaml"), "---\n".join([gw, secret, gen.portcullis_route(0, "gwnew", "www.dnew.bench", name="rnew")]))


def start_backend(out):
    d = os.path.join(out, "backend")
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    body = "x" * 1023 + "\n"
    gen.write(os.path.join(d, "nginx.conf"), f"""worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{gen.BACKEND_PORT} backlog=4096;
    listen 127.0.0.2:{gen.BACKEND_PORT} backlog=4096;
    location / {{ default_type text/plain; return 200 "{body[:-1]}\\n"; }}
  }}
}}
""")
    proc = subprocess.Popen(["taskset", "-c", PROXY_CPU, "nginx", "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", gen.BACKEND_PORT), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("backend nginx did not start")


def tls_line():
    """'portcullis TLSv1.3 TLS_AES_256_GCM_SHA384; ...': one entry per proxy, the two loads apart where they differ."""
    parts = []
    for name, loads in NEGOTIATED.items():
        if loads["wrk"] == loads["h2load"]:
            parts.append(f"{name} {loads['wrk']}")
        else:
            parts.append(f"{name} {loads['wrk']} to wrk, {loads['h2load']} to h2load")
    return "; ".join(parts) if parts else "not probed"


def report(out, a, names, res, rounds, dur, warm, reloads, ec, rsa):
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    versions = {
        "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip(),
        "haproxy": subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout.splitlines()[0] if "haproxy" in names else "",
        "caddy": subprocess.run(["caddy", "version"], capture_output=True, text=True).stdout.strip() if "caddy" in names else "",
    }
    slow = [f"{after} {w:.1f} s{'' if ok else ' (not quiet)'}" for after, w, ok in SETTLE_WAITS if w > 1.0]
    settled = (f"- before each cell of rows 1-3, CPU {PROXY_CPU} was left to settle (below 15% busy over 0.5 s, at most 30 s); "
               f"{len(SETTLE_WAITS)} cells, waits over 1 s: {', '.join(slow) if slow else 'none'}\n")
    shared = ", ".join(f"{c} {o:.0%}" for c, o in SHARED_CELLS)
    settled += (f"- cells during which other processes took over 5% of CPU {PROXY_CPU} (the proxy's core): "
                f"{shared if shared else 'none'}\n")
    readings = sorted(v for _, before, after in PROBES for v in (before, after) if v == v)
    if readings:
        base = readings[len(readings) // 10]
        contended = [f"{c} {before:.1f}/{after:.1f}" for c, before, after in PROBES
                     if before > CONTENDED * base and after > CONTENDED * base]
        settled += (f"- memory latency on CPU {PROXY_CPU} (`memprobe`, a {MEMPROBE_KIB // 1024} MiB pointer chase) before and after "
                    f"each cell of rows 1-3: 10th percentile {base:.1f} ns, median {statistics.median(readings):.1f} ns (uncontended: "
                    f"9-12 ns on session 10's VM, 6.7-7 ns on session 11's, 6.9-7.8 ns on session 21's); cells with both readings above {CONTENDED}x the 10th percentile "
                    f"(the core's caches contended from outside this VM: every proxy is slower then): "
                    f"{', '.join(contended) if contended else 'none'}\n")
    slow = slow_rounds(res, names)
    settled += ("- rounds of rows 1-2 in which every proxy (all but one of three or more) ran over 15% below its own median, "
                f"the machine's slow mode: {'; '.join(slow) if slow else 'none'}\n")
    text = f"""# Benchmark results ({a.mode} run)

- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; machine: `nproc` = {os.cpu_count()}, CPU: {cpu}
- pinning: proxy and backend on CPU {PROXY_CPU}, load generator on CPU {LOAD_CPU}; every proxy has one core (nginx 1 worker, HAProxy nbthread 1, Caddy and Portcullis see 1 CPU)
- N = {a.n} hostnames/certificates/routes (rows 1-4); row 5 on 100; {rounds} rounds of {dur} s per cell, alternating proxies (A B C D A B C D), after a warm-up of {warm} s of each load per proxy; cells are median (min–max)
{settled}- Portcullis: Release build ({BUILD_KIND}), the runtime settings its build ships (workstation GC, TieredPGO, call-counting delay 10 ms){"; " + " ".join(f"{k}={v}" for k, v in PORTCULLIS_ENV.items()) if PORTCULLIS_ENV else ""}; peers: {"; ".join(v for v in versions.values() if v)}
- TLS negotiated with wrk and h2load: {tls_line()} (every h2load offers the TLS 1.3 suites in OpenSSL's default order, as wrk does: `{TLS13_OFFER}`)
- physical limit for row 2 (one core signs): ECDSA P-256 {fmt(ec)} signs/s × 1 core, RSA 2048 {fmt(rsa)} signs/s × 1 core (row 2's host uses ECDSA P-256)
- ratios: Portcullis ÷ peer, round by round: the median of the rounds' ratios (min–max). ↑ higher is better (a ratio above 1 means Portcullis wins), ↓ lower is better (a ratio below 1 means Portcullis wins)

{table(res, names)}
"""
    # Every round's value, in the order measured (A B A B), for reading one round against another.
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump([{"row": r, "metric": m, "values": v} for r, m, _, v in res.rows]
                  + [{"row": "memprobe", "metric": f"ns per load over {MEMPROBE_KIB} KiB, before and after the cell",
                      "values": {c: [before, after] for c, before, after in PROBES}}], f, indent=1)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
