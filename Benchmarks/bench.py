#!/usr/bin/env python3
"""dwt-relay benchmark suite: whole-system figures, each measured in the same run as its reference.

Every figure drives the real binary (daemon, files, HTTP, SQLite) because that is what a weighbridge PC
runs; micro-benchmarks of single functions would not show fsync batching or HTTP pipelining.
Usage: Benchmarks/bench.py [--smoke] [--only NAME,...]   (build first: swift build -c release)
Prints one JSON object per figure, then a table.
"""
import argparse, json, os, shutil, signal, socket, sqlite3, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "Tests", "Fixtures", "defra-examples")
PEER = os.path.join(ROOT, "Benchmarks", "peer", "peer.py")
RESULTS = []
LEFTOVERS = []


def binary():
    for candidate in [os.environ.get("DWT_RELAY_BIN"), ROOT + "/.build/release/dwt-relay", ROOT + "/.build/debug/dwt-relay"]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("build first: swift build -c release (or set DWT_RELAY_BIN)")


BIN = binary()


def record(name, value, unit, reference=None, reference_name=None, target=None, note=None, higher_is_better=True):
    entry = {"name": name, "value": round(value, 3), "unit": unit}
    if reference is not None:
        entry["reference"] = round(reference, 3)
        entry["referenceName"] = reference_name
        entry["ratio"] = round(value / reference, 3) if reference else None
    if target is not None:
        entry["target"] = target
        entry["met"] = value >= target if higher_is_better else value <= target
    if note:
        entry["note"] = note
    RESULTS.append(entry)
    print(json.dumps(entry), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def examples():
    bodies = []
    for name in sorted(os.listdir(EXAMPLES)):
        if name.startswith("error-") or not name.endswith(".json"):
            continue
        with open(os.path.join(EXAMPLES, name)) as f:
            bodies.append(json.load(f))
    return bodies


def movement(number, bodies):
    body = dict(bodies[number % len(bodies)])
    body["yourUniqueReference"] = f"BENCH-{number:07d}"
    body["dateTimeReceived"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps(body).encode()


class Workspace:
    def __init__(self, name, base_url="http://127.0.0.1:9", extra=None):
        self.dir = tempfile.mkdtemp(prefix=f"dwt-relay-bench-{name}.")
        self.inbox, self.state = self.sub("inbox"), self.sub("state")
        os.makedirs(self.inbox)
        secret = self.sub("client-secret")
        with open(os.open(secret, os.O_CREAT | os.O_WRONLY, 0o600), "w") as f:
            f.write("bench-secret")
        lines = [
            "api:", f'  base_url: "{base_url}"', f'  token_url: "{base_url}/oauth2/token"', '  client_id: "sandbox-client"',
            f'  client_secret_file: "{secret}"', "paths:", f'  inbox: "{self.inbox}"', f'  failed: "{self.sub("failed")}"',
            f'  results: "{self.sub("results")}"', f'  state: "{self.state}"', "storage:", f'  key_file: "{self.sub("key")}"',
            "intake:", '  validate: "off"', "http:", '  listen: "off"', "log:", '  level: "error"', "delivery:",
        ] + (extra or [])
        self.config = self.sub("dwt-relay.yaml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.daemon = None

    def sub(self, name):
        return os.path.join(self.dir, name)

    def start(self, env=None):
        self.daemon = subprocess.Popen([BIN, "run", "--config", self.config], stdout=subprocess.DEVNULL,
                                       stderr=open(self.sub("daemon.log"), "a"), env=dict(os.environ, **(env or {})))
        return self.daemon

    def wait_running(self):
        for _ in range(400):
            if os.path.exists(self.inbox) and os.path.exists(os.path.join(self.state, "dwt-relay.sqlite")):
                out = subprocess.run([BIN, "status", "--json", "--config", self.config], capture_output=True).stdout
                try:
                    if json.loads(out)["daemon"]["running"]:
                        return
                except (ValueError, KeyError, TypeError):
                    pass
            time.sleep(0.05)
        raise RuntimeError("daemon did not start")

    def count(self, state=None):
        """Movements stored (in `state`, or in all states), from the per-state counts the daemon keeps in the
        same transactions: polling with COUNT(*) and a new connection each time cost the measured daemon a
        tenth of a core."""
        if getattr(self, "reader", None) is None:
            self.reader = sqlite3.connect(f"file:{self.state}/dwt-relay.sqlite?mode=ro", uri=True, timeout=30)
        if state:
            row = self.reader.execute("SELECT n FROM stateCount WHERE state = ?", (state,)).fetchone()
        else:
            row = self.reader.execute("SELECT SUM(n) FROM stateCount").fetchone()
        return (row[0] or 0) if row else 0

    def stop(self):
        if getattr(self, "reader", None) is not None:
            self.reader.close()
            self.reader = None
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            self.daemon.wait(timeout=60)

    def close(self):
        self.stop()
        # Deleted at the end of the suite, not now: deleting tens of thousands of files makes the next
        # figure pay for this one's cleanup (ext4 without a journal, as here, scans recently freed inodes
        # on every file creation for 30 s).
        LEFTOVERS.append(self.dir)


class SandboxProcess:
    def __init__(self, *flags):
        self.port = free_port()
        self.proc = subprocess.Popen([BIN, "sandbox", "--port", str(self.port), "--client-secret", "bench-secret"] + list(flags),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(400):
            try:
                urllib.request.urlopen(self.base + "/admin/faults", timeout=1).read()
                break
            except OSError:
                time.sleep(0.025)

    def token(self):
        request = urllib.request.Request(self.base + "/oauth2/token", data=b"grant_type=client_credentials&client_id=sandbox-client&client_secret=bench-secret")
        return json.loads(urllib.request.urlopen(request).read())["access_token"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class CannedEndpoint:
    """nginx answering every POST with a canned 201 and every token request with a canned token: an endpoint
    far faster than the daemon, so the drain figures measure the daemon (the sandbox shares the two cores
    and validates, so it would measure itself). Falls back to the sandbox without validation if nginx is
    missing."""

    def __init__(self):
        self.nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if not self.nginx:
            self.sandbox = SandboxProcess("--no-validate")
            self.base, self.name = self.sandbox.base, "sandbox --no-validate"
            return
        self.sandbox = None
        self.dir = tempfile.mkdtemp(prefix="dwt-relay-bench-nginx.")
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
worker_processes 1;
user root;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/body;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    default_type application/json;
    server {{
        listen 127.0.0.1:{self.port};
        location = /oauth2/token {{ return 200 '{{"access_token":"canned-token","token_type":"Bearer","expires_in":3600}}'; }}
        location / {{ return 201 '{{"wasteTrackingId":"26AAAAAA"}}'; }}
    }}
}}
""")
        self.proc = subprocess.Popen([self.nginx, "-p", self.dir, "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base, self.name = f"http://127.0.0.1:{self.port}", "nginx canned 201"
        for _ in range(400):
            try:
                urllib.request.urlopen(urllib.request.Request(self.base + "/oauth2/token", data=b"x"), timeout=1).read()
                break
            except OSError:
                time.sleep(0.025)

    def token(self):
        return self.sandbox.token() if self.sandbox else "canned-token"

    def close(self):
        if self.sandbox:
            self.sandbox.close()
            return
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_until(predicate, timeout, poll=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return False


def fsync_rate(folder, count):
    path = os.path.join(folder, ".fsync-probe")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    started = time.time()
    for _ in range(count):
        os.write(fd, b"x" * 512)
        os.fsync(fd)
    elapsed = time.time() - started
    os.close(fd)
    os.unlink(path)
    return count / elapsed


def bench_intake(n, validate="off", record_figures=True):
    """Files/s for n files renamed into the inbox. With record_figures, the figure is recorded (for `off` with
    the peer's and the disk's rates beside it); without, only returned (the repeated pairs of the warn/off
    ratio)."""
    bodies = examples()
    ws = Workspace("intake", extra=["  circuit_failures: 1"])
    if validate != "off":
        with open(ws.config) as f:
            text = f.read().replace('validate: "off"', f'validate: "{validate}"')
        with open(ws.config, "w") as f:
            f.write(text)
    staging = ws.sub("staging")
    os.makedirs(staging)
    for i in range(n):
        with open(os.path.join(staging, f"m{i:07d}.json"), "wb") as f:
            f.write(movement(i, bodies))
    ws.start()
    ws.wait_running()
    started = time.time()
    for i in range(n):
        os.rename(os.path.join(staging, f"m{i:07d}.json"), os.path.join(ws.inbox, f"m{i:07d}.json"))
    ok = wait_until(lambda: ws.count() >= n, 600, 0.01)
    daemon_rate = n / (time.time() - started)
    ws.stop()
    if not record_figures:
        ws.close()
        return daemon_rate
    if validate != "off":
        ws.close()
        record(f"intake_files_per_second_validate_{validate}", daemon_rate, "files/s",
               note=f"intake.validate: {validate} (the default): every file also checked against the API rules")
        return daemon_rate
    # Reference: the peer's one-commit-per-file loop on the same files, and the disk's raw fsync rate.
    peer_inbox = ws.sub("peer-inbox")
    os.makedirs(peer_inbox)
    for i in range(n):
        with open(os.path.join(peer_inbox, f"m{i:07d}.json"), "wb") as f:
            f.write(movement(i, bodies))
    peer = json.loads(subprocess.run([sys.executable, PEER, "ingest", peer_inbox, ws.sub("peer.sqlite"), str(n)],
                                     capture_output=True, check=True).stdout)
    peer_rate = n / peer["seconds"]
    disk = fsync_rate(ws.dir, max(200, n // 5))
    ws.close()
    record("intake_files_per_second", daemon_rate, "files/s", peer_rate, "peer (one commit per file)", target=10_000,
           note=None if ok else "did not finish")
    record("intake_vs_disk_fsync_rate", daemon_rate, "files/s", disk, "disk fsyncs/s (write+fsync loop)")
    return daemon_rate


CSV_HEADINGS = ["Your unique reference", "Site name", "Site address", "Site postcode", "Receiver’s authorisation number",
                "Date received", "Carrier registration number", "Carrier organisation name", "Means of transport",
                "Vehicle registration number (if by road)", "EWC code (could be multiple EWC codes for one load)",
                "Waste description", "Physical form", "Number of containers used", "Type of containers",
                "Weight unit of measurement", "Total weight of waste", "Is the waste weight estimated?",
                "Does the waste contain persistent organic pollutants (POPs)?", "Is the waste hazardous?",
                "Disposal / Recovery code & Weight"]


def csv_workspace(name):
    """A workspace for CSV exports in the template's headings: intake.validate: warn, the site's apiCode (a row
    has none), a staging folder, and yesterday's date as the rows write it."""
    ws = Workspace(name, extra=["  circuit_failures: 1"])
    with open(ws.config) as f:
        text = f.read().replace('validate: "off"', 'validate: "warn"')
    with open(ws.config, "w") as f:
        f.write(text + 'site:\n  api_code: "1f83215e-4b90-4785-9ab2-2614839aa2e9"\n')
    staging = ws.sub("staging")
    os.makedirs(staging)
    return ws, staging, time.strftime("%d/%m/%Y", time.gmtime(time.time() - 86400))


def bench_csv_intake(rows, rows_per_file=1000):
    """Movements per second taken from CSV files in the template's headings (one movement per row), the
    default intake.validate: warn; compared with JSON files in the same run by the caller."""
    ws, staging, day = csv_workspace("csv")
    files = []
    for start in range(0, rows, rows_per_file):
        name = f"export-{start:07d}.csv"
        with open(os.path.join(staging, name), "w", newline="") as f:
            f.write(",".join(f'"{h}"' for h in CSV_HEADINGS) + "\r\n")
            for i in range(start, min(rows, start + rows_per_file)):
                f.write(f'BENCH-{i:07d},North Quarry,"1 Quarry Lane, Northtown",NT1 2AB,PPC/A/9999999,{day} 10:15:00,'
                        f'CBDU100001,Hill Haulage Ltd,Road,AB12 CDE,17 05 04,Soil,Solid,1,[SKI] Skip,Tonnes,6.5,Actual,'
                        f'No,No,R5\r\n')
        files.append(name)
    ws.start()
    ws.wait_running()
    started = time.time()
    for name in files:
        os.rename(os.path.join(staging, name), os.path.join(ws.inbox, name))
    ok = wait_until(lambda: ws.count() >= rows, 600, 0.01)
    rate = rows / (time.time() - started)
    ws.stop()
    ws.close()
    record("intake_csv_rows_per_second", rate, "movements/s",
           note=(f"{rows_per_file} rows per file, intake.validate: warn" if ok else "did not finish"))
    return rate


def bench_large_csv(megabytes, tickets=20):
    """One export of `megabytes` MiB (the default intake.max_csv_bytes is 16) in the template's headings: the
    daemon's peak RSS (VmHWM) while it takes it, how long it takes, and how long tickets dropped meanwhile wait
    (issue 29: a 100,000-row file took the daemon from 59 MB to 853 MB and held the inbox for 74 s)."""
    ws, staging, day = csv_workspace("largecsv")
    export = os.path.join(staging, "export.csv")
    rows = 0
    with open(export, "w", newline="") as f:
        f.write(",".join(f'"{h}"' for h in CSV_HEADINGS) + "\r\n")
        while f.tell() < megabytes * 1024 * 1024 - 300:
            f.write(f'LARGE-{rows:07d},North Quarry,"1 Quarry Lane, Northtown",NT1 2AB,PPC/A/9999999,{day} 10:15:00,'
                    f'CBDU100001,Hill Haulage Ltd,Road,AB12 CDE,17 05 04,Soil,Solid,1,[SKI] Skip,Tonnes,6.5,Actual,'
                    f'No,No,R5\r\n')
            rows += 1
    bodies = examples()
    stage_files(ws, "t", range(tickets), bodies)
    daemon = ws.start()
    ws.wait_running()
    time.sleep(1)
    before = proc_sample(daemon.pid)[2]
    started = time.time()
    os.rename(export, os.path.join(ws.inbox, "export.csv"))
    # Tickets one at a time while the export is being taken: each one's wait from its drop to its row.
    waits = []
    # From half a second after the drop: a daemon that takes the file in one transaction stores nothing
    # until it is done, so waiting for its first row would hide the wait.
    time.sleep(0.5)
    for i in range(tickets):
        if ws.count() >= rows:
            break
        counted = ws.count()
        dropped = time.time()
        os.rename(os.path.join(ws.sub("staging"), f"t{i:07d}.json"), os.path.join(ws.inbox, f"t{i:07d}.json"))
        reader = sqlite3.connect(f"file:{ws.state}/dwt-relay.sqlite?mode=ro", uri=True, timeout=30)
        wait_until(lambda: reader.execute("SELECT COUNT(*) FROM movement WHERE sourceFile = ?",
                                          (f"t{i:07d}.json",)).fetchone()[0] > 0, 60, 0.005)
        reader.close()
        waits.append(time.time() - dropped)
        time.sleep(0.2)
    ok = wait_until(lambda: ws.count() >= rows + len(waits), 900, 0.05)
    took = time.time() - started
    with open(f"/proc/{daemon.pid}/status") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    ws.close()
    record("large_csv_peak_rss_mb", peak / 1024, "MB", before / 1024, "RSS before the file", target=150,
           higher_is_better=False, note=f"{rows} rows, {megabytes} MiB, intake.validate: warn"
           + ("" if ok else "; did not finish"))
    record("large_csv_rows_per_second", rows / took, "movements/s", note=f"{rows} rows in {took:.1f} s")
    if waits:
        record("large_csv_ticket_wait_max_seconds", max(waits), "s", statistics.median(waits), "median wait",
               target=2, higher_is_better=False, note=f"{len(waits)} tickets dropped one by one during the file")


def queue_movements(ws, n, bodies):
    """Stores n movements with `submit` while no daemon runs: a backlog to drain."""
    staging = ws.sub("staging")
    os.makedirs(staging)
    paths = []
    for i in range(n):
        path = os.path.join(staging, f"q{i:07d}.json")
        with open(path, "wb") as f:
            f.write(movement(i, bodies))
        paths.append(path)
    for start in range(0, n, 5000):
        subprocess.run([BIN, "submit", "--config", ws.config] + paths[start:start + 5000], stdout=subprocess.DEVNULL, check=True)


def bench_drain(n, concurrency, sandbox, wrk_seconds):
    bodies = examples()
    ws = Workspace(f"drain{concurrency}", sandbox.base, extra=[
        f"  concurrency: {concurrency}", "  max_requests_per_second: 0", "  backoff_initial_seconds: 0.05"])
    queue_movements(ws, n, bodies)
    ws.start()
    started = time.time()
    ok = wait_until(lambda: ws.count("accepted") >= n, 900, 0.02)
    rate = n / (time.time() - started)
    ws.close()
    reference = wrk_rate(sandbox, concurrency, wrk_seconds, bodies)
    record(f"drain_c{concurrency}_movements_per_second", rate, "movements/s", reference,
           f"wrk, {concurrency} connections, {sandbox.name}", target=4000 if concurrency == 16 else None,
           note=None if ok else "did not finish")
    return rate


def wrk_rate(sandbox, concurrency, seconds, bodies):
    if not shutil.which("wrk"):
        return None
    token = sandbox.token()
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    body = json.dumps(bodies[0]).replace("\\", "\\\\").replace('"', '\\"')
    script.write(f'wrk.method = "POST"\nwrk.body = "{body}"\nwrk.headers["Content-Type"] = "application/json"\n'
                 f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    script.close()
    out = subprocess.run(["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{seconds}s", "-s", script.name,
                          sandbox.base + "/movements/receive"], capture_output=True, text=True).stdout
    os.unlink(script.name)
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


def bench_latency(rate, count, sandbox):
    """Issue 15: a weighbridge ticket could print the waste tracking ID if it comes back quickly. Files are
    dropped (write + rename, as a writer must) at `rate` per second into a running daemon; the latency is
    from the rename to the result file appearing with its ID, against the canned local endpoint."""
    bodies = examples()
    ws = Workspace(f"latency{rate}", sandbox.base, extra=["  concurrency: 4", "  max_requests_per_second: 0"])
    ws.start()
    ws.wait_running()
    results = ws.sub("results")
    outstanding, latencies = {}, []
    interval, next_drop, dropped = 1.0 / rate, time.monotonic(), 0
    deadline = time.monotonic() + count / rate + 60
    while len(latencies) < count and time.monotonic() < deadline:
        now = time.monotonic()
        if dropped < count and now >= next_drop:
            name = f"LAT-{dropped:06d}"
            temp = os.path.join(ws.inbox, f".{name}.tmp")
            with open(temp, "wb") as f:
                f.write(movement(dropped, bodies))
            os.rename(temp, os.path.join(ws.inbox, name + ".json"))
            outstanding[name] = time.monotonic()
            dropped += 1
            next_drop += interval
        for name, dropped_at in list(outstanding.items()):
            if os.path.exists(os.path.join(results, name + ".result.json")):
                latencies.append(time.monotonic() - dropped_at)
                del outstanding[name]
        time.sleep(0.0002)
    with_id = 0
    for name in sorted(os.listdir(results))[:50]:
        if name.endswith(".result.json"):
            with open(os.path.join(results, name)) as f:
                with_id += 1 if json.load(f).get("wasteTrackingId") else 0
    ws.close()
    latencies.sort()
    ms = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
    note = f"{len(latencies)} of {count} files; {with_id} of the first result files checked carry an ID"
    record(f"latency_{rate}_per_s_p50_ms", ms(0.50), "ms", note=note, higher_is_better=False)
    record(f"latency_{rate}_per_s_p99_ms", ms(0.99), "ms", target=50, note=note, higher_is_better=False)


def bench_peer_drain(n, sandbox):
    bodies = examples()
    folder = tempfile.mkdtemp(prefix="dwt-relay-bench-peer.")
    inbox = os.path.join(folder, "inbox")
    os.makedirs(inbox)
    for i in range(n):
        with open(os.path.join(inbox, f"p{i:07d}.json"), "wb") as f:
            f.write(movement(i, bodies))
    db = os.path.join(folder, "peer.sqlite")
    subprocess.run([sys.executable, PEER, "ingest", inbox, db, str(n)], capture_output=True, check=True)
    out = json.loads(subprocess.run([sys.executable, PEER, "drain", db, sandbox.base, sandbox.token()],
                                    capture_output=True, check=True).stdout)
    LEFTOVERS.append(folder)
    return out["count"] / out["seconds"]


def bench_rate_limited(n):
    sandbox = SandboxProcess("--no-validate", "--enforce-rate", "200")
    bodies = examples()
    ws = Workspace("ratelimit", sandbox.base, extra=["  concurrency: 4", "  max_requests_per_second: 100"])
    queue_movements(ws, n, bodies)
    ws.start()
    started = time.time()
    wait_until(lambda: ws.count("accepted") >= n, n / 50 + 60, 0.05)
    rate = n / (time.time() - started)
    ws.stop()
    throttled = throttled_answers(ws)
    ws.close()
    sandbox.close()
    record("rate_limited_drain_movements_per_second", rate, "movements/s", 100, "configured rate",
           note=f"{throttled} responses were 429 (service enforcing 200/s); target: within 5% of 100/s and no 429")
    record("rate_limited_drain_429_responses", throttled, "responses", target=0, higher_is_better=False)


def stage_files(ws, prefix, numbers, bodies):
    """Writes movement files outside the inbox (in `staging/`), so that they can be renamed in as a burst."""
    staging = ws.sub("staging")
    os.makedirs(staging, exist_ok=True)
    for i in numbers:
        with open(os.path.join(staging, f"{prefix}{i:07d}.json"), "wb") as f:
            f.write(movement(i, bodies))
    return staging


def throttled_answers(ws):
    """How many answers were 429, from the event log (the daemon must be stopped)."""
    db = sqlite3.connect(f"file:{ws.state}/dwt-relay.sqlite?mode=ro", uri=True)
    try:
        return db.execute("SELECT COUNT(*) FROM movementEvent WHERE status = 429").fetchone()[0]
    finally:
        db.close()


def bench_burst(n):
    """Issue 16: a burst of n files dropped at once into the inbox of a running daemon with the default rate
    limit (100/s), against a service that enforces its 200/s soft limit: nothing lost, no 429 storm, memory
    bounded while the backlog drains."""
    sandbox = SandboxProcess("--no-validate", "--enforce-rate", "200")
    bodies = examples()
    ws = Workspace("burst", sandbox.base, extra=["  concurrency: 4", "  max_requests_per_second: 100"])
    daemon = ws.start()
    ws.wait_running()
    staging = stage_files(ws, "b", range(n), bodies)
    started = time.time()
    for i in range(n):
        os.rename(os.path.join(staging, f"b{i:07d}.json"), os.path.join(ws.inbox, f"b{i:07d}.json"))
    peak = 0
    deadline = time.time() + n / 50 + 120
    while time.time() < deadline and ws.count("accepted") < n:
        peak = max(peak, proc_sample(daemon.pid)[2])
        time.sleep(1)
    elapsed = time.time() - started
    accepted = ws.count("accepted")
    ws.stop()
    throttled = throttled_answers(ws)
    stored = ws.count()
    at_service = json.loads(urllib.request.urlopen(sandbox.base + "/admin/movements", timeout=60).read())["movements"]
    references = [m["yourUniqueReference"] for m in at_service]
    ws.close()
    sandbox.close()
    note = (f"{n} files at once; {stored} stored, {accepted} accepted in {elapsed:.0f} s, {len(at_service)} at the "
            f"service ({len(references) - len(set(references))} twice), {throttled} answers 429")
    record(f"burst_{n}_lost", n - accepted, "movements", target=0, higher_is_better=False, note=note)
    record(f"burst_{n}_429_responses", throttled, "responses", target=0, higher_is_better=False, note=note)
    record(f"burst_{n}_peak_rss_mb", peak / 1024, "MB", target=60, higher_is_better=False, note=note)
    record(f"burst_{n}_drain_movements_per_second", accepted / elapsed, "movements/s", 100, "configured rate", note=note)


def proc_sample(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    # Per thread, so that a thread ending between two samples does not make the difference negative.
    switches, rss = {}, 0
    for name in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{name}/status") as f:
                for line in f:
                    if "ctxt_switches" in line:
                        switches[name] = switches.get(name, 0) + int(line.split()[1])
        except OSError:
            continue
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return cpu, switches, rss


def bench_idle(seconds):
    ws = Workspace("idle")
    daemon = ws.start()
    ws.wait_running()
    time.sleep(2)
    cpu0, sw0, _ = proc_sample(daemon.pid)
    time.sleep(seconds)
    cpu1, sw1, rss = proc_sample(daemon.pid)
    anon = 0
    with open(f"/proc/{daemon.pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    ws.close()
    per_minute = (cpu1 - cpu0) * 60 / seconds
    record("idle_cpu_seconds_per_minute", per_minute, "CPU s/min", target=0.05, higher_is_better=False)
    record("idle_wakeups_per_minute", sum(sw1[t] - sw0.get(t, 0) for t in sw1) * 60 / seconds, "context switches/min (all threads)")
    record("idle_rss_mb", rss / 1024, "MB", target=30, higher_is_better=False)
    record("idle_rss_anonymous_mb", anon / 1024, "MB",
           note="private memory (heap, stacks); the rest of RSS is the binary's and shared libraries' code pages")


def bench_rss_after_drain(n, sandbox):
    bodies = examples()
    ws = Workspace("rss", sandbox.base, extra=["  concurrency: 16", "  max_requests_per_second: 0"])
    daemon = ws.start()
    ws.wait_running()
    for start in range(0, n, 10_000):
        staging = stage_files(ws, "s", range(start, min(n, start + 10_000)), bodies)
        for i in range(start, min(n, start + 10_000)):
            os.rename(os.path.join(staging, f"s{i:07d}.json"), os.path.join(ws.inbox, f"s{i:07d}.json"))
        wait_until(lambda: ws.count("accepted") >= min(n, start + 10_000), 600, 0.1)
        if start == 0:
            time.sleep(2)
            early = proc_sample(daemon.pid)[2]
    time.sleep(2)
    _, _, rss = proc_sample(daemon.pid)
    ws.close()
    first = min(n, 10_000)
    record(f"rss_after_draining_{n}_mb", rss / 1024, "MB", early / 1024, f"RSS after the first {first}",
           target=60, higher_is_better=False, note="flat means a ratio near 1: memory does not grow with history")


def fill_store(ws, rows, state="accepted"):
    """Creates the schema through the binary, then bulk-inserts rows the way the daemon would store them."""
    body = os.path.join(ws.dir, "seed.json")
    with open(body, "wb") as f:
        f.write(movement(0, examples()))
    subprocess.run([BIN, "submit", "--config", ws.config, body], stdout=subprocess.DEVNULL, check=True)
    db = sqlite3.connect(os.path.join(ws.state, "dwt-relay.sqlite"))
    payload = db.execute("SELECT payload FROM movement LIMIT 1").fetchone()[0]
    now = time.time()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO movement(source, sourceFile, contentHash, payload, apiCode, yourUniqueReference, kind, state, attempts,"
        " nextAttemptAt, wasteTrackingId, receivedAt, updatedAt, acceptedAt, resultWritten, deadlineAt)"
        " VALUES ('inbox', ?, ?, ?, '1f83215e-4b90-4785-9ab2-2614839aa2e9', ?, 'post', ?, ?, ?, ?, ?, ?, ?, 1, ?)",
        ((f"f{i}.json", f"{i:064x}", payload, f"REF-{i}", state, 1 if state == "accepted" else 0, now,
          "26AAAAAA" if state == "accepted" else None, now - 3600 + i * 1e-4, now, now if state == "accepted" else None,
          now + 86400 * 3) for i in range(1, rows)))
    db.execute("COMMIT")
    db.close()


def bench_status(rows):
    ws = Workspace("status")
    fill_store(ws, rows)
    def timed(args):
        started = time.time()
        subprocess.run([BIN] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.time() - started
    status = statistics.median(timed(["status", "--json", "--config", ws.config]) for _ in range(7))
    bare = statistics.median(timed(["--version"]) for _ in range(7))
    ws.close()
    record(f"status_ms_with_{rows}_movements", status * 1000, "ms", bare * 1000, "process start (dwt-relay --version)",
           target=50, higher_is_better=False)


def bench_startup(backlog):
    ws = Workspace("startup", extra=["  circuit_failures: 1"])
    fill_store(ws, backlog, state="queued")
    sock_path = ws.sub("notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(30)
    started = time.time()
    ws.start({"NOTIFY_SOCKET": sock_path})
    ready = None
    while ready is None:
        message = sock.recv(4096).decode()
        if "READY=1" in message:
            ready = time.time() - started
    sock.close()
    ws.close()
    record(f"ready_seconds_with_{backlog}_backlog", ready, "s", target=1, higher_is_better=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small N for CI: proves the suite runs, not the targets")
    parser.add_argument("--only", default="", help="comma-separated: intake,largecsv,drain,peer,ratelimit,burst,idle,rss,latency,status,startup")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only
    small = args.smoke
    print(f"# binary: {BIN}", flush=True)
    if want("intake"):
        # Issue 14: the default (warn) should cost no more than a fifth of intake's rate; same run, same disk.
        # One pair of runs spread from 0.75 to 1.06 on this VM (the disk's fsyncs, the other core), so the
        # ratio is the median of three pairs, off and warn alternating, each pair listed in the note.
        pairs = []
        for pair in range(1 if small else 3):
            off_rate = bench_intake(500 if small else 10_000, record_figures=pair == 0)
            warn_rate = bench_intake(500 if small else 10_000, validate="warn", record_figures=pair == 0)
            pairs.append((off_rate, warn_rate))
        off, warn = pairs[0]
        ratios = sorted(w / o for o, w in pairs)
        record("intake_validate_warn_vs_off", ratios[len(ratios) // 2], "ratio", target=0.8,
               note="median of " + str(len(pairs)) + " alternating pairs in this run: "
               + "; ".join(f"warn {w:.0f} vs off {o:.0f} files/s" for o, w in pairs))
        csv_rate = bench_csv_intake(500 if small else 10_000, 100 if small else 1000)
        record("intake_csv_rows_vs_json_files_warn", csv_rate / warn, "ratio",
               note=f"CSV {csv_rate:.0f} movements/s vs JSON {warn:.0f} files/s, both intake.validate: warn, this run")
    if want("largecsv"):
        bench_large_csv(1 if small else 16)
    if want("drain") or want("peer") or want("rss") or want("latency"):
        sandbox = CannedEndpoint()
        drained = {}
        if want("drain"):
            for concurrency in (1, 4, 16):
                drained[concurrency] = bench_drain(300 if small else 10_000, concurrency, sandbox, 2 if small else 5)
        if want("peer"):
            peer = bench_peer_drain(100 if small else 2000, sandbox)
            record("peer_drain_movements_per_second", peer, "movements/s", note="requests + sqlite3, sequential")
            if 16 in drained:
                record("drain_c16_vs_peer", drained[16], "movements/s", peer, "peer (sequential requests + sqlite3)",
                       target=round(10 * peer), note="target: 10x the peer")
        if want("rss"):
            bench_rss_after_drain(2000 if small else 100_000, sandbox)
        if want("latency"):
            bench_latency(1, 5 if small else 60, sandbox)
            bench_latency(50, 100 if small else 2500, sandbox)
        sandbox.close()
    if want("ratelimit"):
        bench_rate_limited(200 if small else 10_000)
    if want("burst"):
        bench_burst(300 if small else 20_000)
    if want("idle"):
        bench_idle(5 if small else 60)
    if want("status"):
        bench_status(10_000 if small else 1_000_000)
    if want("startup"):
        bench_startup(2_000 if small else 100_000)
    for folder in LEFTOVERS:
        shutil.rmtree(folder, ignore_errors=True)
    print("\n%-44s %14s %-16s %14s %8s %s" % ("figure", "value", "unit", "reference", "ratio", "target"))
    for r in RESULTS:
        target = "" if "target" not in r else f"{r['target']} ({'met' if r['met'] else 'MISSED'})"
        print("%-44s %14s %-16s %14s %8s %s" % (r["name"], r["value"], r["unit"], r.get("reference", ""), r.get("ratio", "") or "", target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
