#!/usr/bin/env python3
"""Black-box reliability runs against the real dwt-relay binary and its sandbox (stdlib only).

crash-test: feed numbered movements through the inbox (JSON files and CSV exports of 25 rows) and `submit`
while the daemon delivers to a faulty sandbox, SIGKILL the daemon at random moments, restart it, and check that every movement is accepted
exactly once (or flagged possibleDuplicate), the database is intact and no file is left behind.

power-loss: the same (JSON files and CSV exports of 10 rows), but the power is cut: the daemon's folders live on lossyfs.py, a FUSE filesystem that
keeps only what was made durable (fsync of files and folders); after each cut it is mounted again and the
daemon restarted; at the end the queue drains and nothing acknowledged may be missing, no duplicate at the
service may be unflagged, and no result file may claim what the store does not hold.

soak: run the daemon for a few minutes against a sandbox with errors, 429 bursts, latency, dropped
connections, token revocations and an outage; check everything arrives, RSS stays flat, the daemon lives.
"""
import argparse, json, os, random, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "Tests", "Fixtures", "defra-examples", "basic-required-fields-only.json")


def binary():
    for candidate in [os.environ.get("DWT_RELAY_BIN"), ROOT + "/.build/release/dwt-relay", ROOT + "/.build/debug/dwt-relay"]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("build first: swift build (or set DWT_RELAY_BIN)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rig:
    def __init__(self, work, sandbox_args, config_extra=None, data=None):
        """`data`: where the spool folders and the state live (default `work`; the power-loss test puts them on
        its lossy filesystem while the config, secret and storage key stay on the real disk, as in /etc)."""
        self.work, self.bin = work, binary()
        data = data or work
        self.port = free_port()
        self.sandbox_log = open(os.path.join(work, "sandbox.log"), "w")
        self.sandbox = subprocess.Popen(
            [self.bin, "sandbox", "--port", str(self.port), "--client-secret", "crash-secret"] + sandbox_args,
            stdout=self.sandbox_log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                self.admin("GET", "/admin/faults")
                break
            except OSError:
                time.sleep(0.05)
        secret = os.path.join(work, "client-secret")
        with open(os.open(secret, os.O_CREAT | os.O_WRONLY, 0o600), "w") as f:
            f.write("crash-secret")
        self.inbox = os.path.join(data, "inbox")
        self.state = os.path.join(data, "state")
        self.failed = os.path.join(data, "failed")
        self.results = os.path.join(data, "results")
        os.makedirs(self.inbox, exist_ok=True)
        lines = [
            "api:", f'  base_url: "{self.base}"', f'  token_url: "{self.base}/oauth2/token"',
            '  client_id: "sandbox-client"', f'  client_secret_file: "{secret}"', "  timeout_seconds: 3",
            "paths:", f'  inbox: "{self.inbox}"', f'  failed: "{self.failed}"',
            f'  results: "{self.results}"', f'  state: "{self.state}"',
            "storage:", f'  key_file: "{os.path.join(work, "storage-key")}"',
            "delivery:", "  backoff_initial_seconds: 0.05", "  backoff_max_seconds: 1", "  concurrency: 4",
            "  max_requests_per_second: 0", "  circuit_failures: 1000",
            "http:", '  listen: "off"', "log:", '  level: "warning"',
        ] + (config_extra or [])
        self.config = os.path.join(work, "dwt-relay.yaml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.daemon = None
        self.daemon_log = open(os.path.join(work, "daemon.log"), "a")

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def start(self):
        self.daemon = subprocess.Popen([self.bin, "run", "--config", self.config], stdout=self.daemon_log, stderr=subprocess.STDOUT)

    def kill(self, sig=signal.SIGKILL):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(sig)
            self.daemon.wait(timeout=30)

    def drop(self, number):
        body = json.load(open(EXAMPLE))
        body["yourUniqueReference"] = f"CRASH-{number:06d}"
        body["dateTimeReceived"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        temp = os.path.join(self.inbox, f".m{number}.tmp")
        with open(temp, "w") as f:
            json.dump(body, f)
        os.rename(temp, os.path.join(self.inbox, f"m{number:06d}.json"))

    CSV_HEADINGS = ["Your unique reference", "Site name", "Site address", "Site postcode",
                    "Receiver’s authorisation number", "Date received", "Carrier registration number",
                    "Carrier organisation name", "Means of transport",
                    "EWC code (could be multiple EWC codes for one load)", "Waste description", "Physical form",
                    "Number of containers used", "Type of containers", "Weight unit of measurement",
                    "Total weight of waste", "Is the waste weight estimated?",
                    "Does the waste contain persistent organic pollutants (POPs)?", "Is the waste hazardous?",
                    "Disposal / Recovery code & Weight"]

    def csv_text(self, references):
        """A ticket export: Defra's template headings, one movement per row (the config needs site.api_code: a
        row has no apiCode)."""
        from datetime import datetime
        from zoneinfo import ZoneInfo
        received = datetime.now(ZoneInfo("Europe/London")).strftime("%d/%m/%Y %H:%M:%S")
        lines = [",".join(f'"{h}"' for h in self.CSV_HEADINGS)]
        for reference in references:
            lines.append(f'{reference},Receiver Ltd,"123 Test Street, Test City",TC1 2AB,PPC/A/9999999,'
                         f'{received},CBDL999999,Carrier Ltd,Rail,02 01 01,Mixed waste,Mixed,3,SKI,Tonnes,2.5,No,'
                         f'No,No,R1 = 0.75 = t = Actual')
        return "\r\n".join(lines) + "\r\n"

    def drop_csv(self, numbers):
        temp = os.path.join(self.inbox, f".export{numbers[0]}.tmp")
        with open(temp, "w", newline="") as f:
            f.write(self.csv_text([f"CRASH-{n:06d}" for n in numbers]))
        os.rename(temp, os.path.join(self.inbox, f"export-{numbers[0]:06d}.csv"))

    def submit(self, number):
        body = json.load(open(EXAMPLE))
        body["yourUniqueReference"] = f"CRASH-{number:06d}"
        body["dateTimeReceived"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        result = subprocess.run([self.bin, "submit", "-", "--config", self.config], input=json.dumps(body).encode(),
                                capture_output=True, timeout=60)
        return result.returncode == 0

    def rows(self):
        db = sqlite3.connect(f"file:{self.state}/dwt-relay.sqlite?mode=ro", uri=True, timeout=30)
        try:
            return db.execute("SELECT yourUniqueReference, state, possibleDuplicate FROM movement").fetchall()
        finally:
            db.close()

    def integrity(self):
        db = sqlite3.connect(f"file:{self.state}/dwt-relay.sqlite?mode=ro", uri=True, timeout=30)
        try:
            return db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()

    def close(self):
        self.kill(signal.SIGTERM)
        self.sandbox.terminate()
        self.sandbox.wait(timeout=10)


def wait_accepted(rig, total, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sum(1 for _, state, _ in rig.rows() if state == "accepted") >= total:
            return True
        time.sleep(0.5)
    return False


def verify(rig, fed):
    rows = rig.rows()
    refs = {}
    for ref, state, dup in rows:
        refs.setdefault(ref, []).append((state, dup))
    stored_twice = [r for r, v in refs.items() if len(v) > 1]
    not_accepted = [r for r in fed if not any(s == "accepted" for s, _ in refs.get(r, []))]
    listing = rig.admin("GET", "/admin/movements")["movements"]
    at_service = {}
    for m in listing:
        at_service[m["yourUniqueReference"]] = at_service.get(m["yourUniqueReference"], 0) + 1
    flagged = {r for r, v in refs.items() if any(d for _, d in v)}
    duplicates = {r for r, n in at_service.items() if n > 1}
    lost = [r for r in fed if r not in at_service]
    leftovers = [n for n in os.listdir(rig.inbox)]
    failed = os.listdir(rig.failed) if os.path.isdir(rig.failed) else []
    return {
        "movements": len(fed), "lost": len(lost), "notAccepted": len(not_accepted), "storedTwice": len(stored_twice),
        "duplicatesFlagged": len(flagged), "duplicatesAtService": len(duplicates),
        "unflaggedDuplicates": len(duplicates - flagged), "leftInInbox": len(leftovers), "failedFiles": len(failed),
        "integrity": rig.integrity(),
    }


def crash_test(args):
    work = tempfile.mkdtemp(prefix="dwt-relay-crash.")
    rig = Rig(work, ["--error-rate", "0.2", "--latency-ms", "10", "--drop-after", "0.05", "--token-lifetime", "30"],
              ["site:", '  api_code: "1f83215e-4b90-4785-9ab2-2614839aa2e9"'])
    fed, number = [], 0
    try:
        for kill in range(args.kills):
            rig.start()
            time.sleep(random.uniform(0.05, 0.15))
            if kill == 1:
                # A large export (over 256 KiB: taken a slice at a time): the next kills land part-way through it.
                rows = list(range(number + 1, number + 1 + LARGE_EXPORT_ROWS))
                rig.drop_csv(rows)
                fed.extend(f"CRASH-{n:06d}" for n in rows)
                number += LARGE_EXPORT_ROWS
            for _ in range(args.per_round):
                number += 1
                if number % 10 == 5:
                    # A CSV export of 25 movements: a kill may land while it is being taken.
                    rows = list(range(number, number + 25))
                    rig.drop_csv(rows)
                    fed.extend(f"CRASH-{n:06d}" for n in rows)
                    number += 24
                elif number % 4 == 0:
                    if rig.submit(number):
                        fed.append(f"CRASH-{number:06d}")
                else:
                    rig.drop(number)
                    fed.append(f"CRASH-{number:06d}")
            time.sleep(random.uniform(0.02, args.max_delay))
            rig.kill()
        rig.admin("PUT", "/admin/faults", {})
        rig.start()
        settled = wait_accepted(rig, len(fed), args.settle)
        rig.kill(signal.SIGTERM)
        result = verify(rig, fed)
        result["kills"] = args.kills
        result["settled"] = settled
    finally:
        rig.close()
    ok = (result["settled"] and result["lost"] == 0 and result["notAccepted"] == 0 and result["storedTwice"] == 0
          and result["unflaggedDuplicates"] == 0 and result["leftInInbox"] == 0 and result["failedFiles"] == 0
          and result["integrity"] == "ok")
    print(f"workspace: {work}")
    for key in ["kills", "movements", "lost", "notAccepted", "storedTwice", "duplicatesFlagged", "duplicatesAtService", "unflaggedDuplicates", "leftInInbox", "integrity"]:
        print(f"{key}: {result[key]}")
    print(f"crash-test: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    return 0 if ok else 1


# Rows of the large export the crash and power-loss tests drop once: about 330 KB, over the 256 KiB above which
# the daemon takes a CSV in slices of 500 movements.
LARGE_EXPORT_ROWS = 1600

LOSSYFS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lossyfs.py")


def fsync_folder(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def power_loss(args):
    """Cut the power (lossyfs.py: everything not made durable is forgotten) at random moments while files
    arrive and answers come back; boot again, restart, and at the end let the queue drain."""
    random.seed(args.seed)
    work = tempfile.mkdtemp(prefix="dwt-relay-power.")
    mnt, snapshot = os.path.join(work, "mnt"), os.path.join(work, "fs.snapshot")
    os.makedirs(mnt)
    fs_log = open(os.path.join(work, "lossyfs.log"), "a")

    def mount():
        fs = subprocess.Popen([sys.executable, LOSSYFS, mnt, snapshot], stdout=fs_log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.ismount(mnt):
                return fs
            time.sleep(0.05)
        raise RuntimeError("lossyfs did not mount (see lossyfs.log)")

    def cut(fs):
        try:
            os.mkdir(os.path.join(mnt, ".lossyfs-cut"))
        except OSError:
            pass
        fs.wait(timeout=30)
        tool = shutil.which("fusermount") or shutil.which("fusermount3") or "fusermount"
        subprocess.run([tool, "-u", "-z", mnt], stderr=subprocess.DEVNULL)

    fs = mount()
    rig = Rig(work, ["--error-rate", "0.1", "--latency-ms", "20", "--drop-after", "0.05"],
              ["site:", '  api_code: "1f83215e-4b90-4785-9ab2-2614839aa2e9"'], data=mnt)
    # The writer's inbox exists durably before it writes into it (an installer's job on a real system).
    os.makedirs(rig.inbox, exist_ok=True)
    fsync_folder(rig.inbox)
    fsync_folder(mnt)
    example = json.load(open(EXAMPLE))
    committed, number = [], 0
    try:
        for cut_number in range(args.cuts):
            rig.start()
            stop = threading.Event()

            large = cut_number == 1

            def writer():
                nonlocal number, large
                while not stop.is_set():
                    number += 1
                    if large:
                        # Once: a large export, taken a slice at a time; the power goes while it is taken.
                        large = False
                        refs = [f"POWER-{n:06d}" for n in range(number, number + LARGE_EXPORT_ROWS)]
                        content, name = rig.csv_text(refs).encode(), f"p{number:06d}.csv"
                        number += LARGE_EXPORT_ROWS - 1
                    elif number % 8 == 0:
                        # A CSV export of 10 movements.
                        refs = [f"POWER-{n:06d}" for n in range(number, number + 10)]
                        content, name = rig.csv_text(refs).encode(), f"p{number:06d}.csv"
                        number += 9
                    else:
                        refs = [f"POWER-{number:06d}"]
                        body = dict(example, yourUniqueReference=refs[0],
                                    dateTimeReceived=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
                        content, name = json.dumps(body).encode(), f"p{number:06d}.json"
                    temp = os.path.join(rig.inbox, f".p{number}.tmp")
                    try:
                        fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
                        os.write(fd, content)
                        os.fsync(fd)
                        os.close(fd)
                        os.rename(temp, os.path.join(rig.inbox, name))
                        fsync_folder(rig.inbox)
                    except OSError:
                        return
                    # Durable in the inbox: from here on dwt-relay must never lose it.
                    committed.extend(refs)
                    time.sleep(random.uniform(0.005, 0.08))

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(random.uniform(0.1, args.max_delay))
            # The power goes: the daemon stops at once, the filesystem keeps only what was made durable.
            rig.daemon.send_signal(signal.SIGSTOP)
            stop.set()
            cut(fs)
            rig.kill()
            thread.join()
            fs = mount()
            if os.environ.get("DWT_RELAY_POWER_TRACE"):
                db = os.path.join(rig.state, "dwt-relay.sqlite")
                count = rig.rows() if os.path.exists(db) else []
                stored = len(rig.admin("GET", "/admin/movements")["movements"])
                print(f"after cut: {len(count)} movements in the store, {stored} at the service, {len(committed)} dropped")
        rig.admin("PUT", "/admin/faults", {})
        rig.start()
        for _ in range(600):
            if os.path.exists(os.path.join(rig.state, "dwt-relay.sqlite")):
                break
            time.sleep(0.05)
        settled = wait_accepted(rig, len(committed), args.settle)
        rig.kill(signal.SIGTERM)
        result = verify(rig, committed)
        result["settled"] = settled
        result["resultFilesWrong"] = check_result_files(rig)
    finally:
        rig.close()
        cut(fs)
    result["cuts"] = args.cuts
    inbox_left = result["leftInInbox"]
    ok = (result["settled"] and result["lost"] == 0 and result["notAccepted"] == 0 and result["storedTwice"] == 0
          and result["unflaggedDuplicates"] == 0 and result["resultFilesWrong"] == 0 and result["integrity"] == "ok")
    print(f"workspace: {work}")
    for key in ["cuts", "movements", "lost", "notAccepted", "storedTwice", "duplicatesFlagged", "duplicatesAtService",
                "unflaggedDuplicates", "resultFilesWrong", "leftInInbox", "failedFiles", "integrity"]:
        print(f"{key}: {result[key]}")
    print(f"power-loss: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    return 0 if ok else 1


def check_result_files(rig):
    """Result files that claim an outcome the store does not hold (after the final drain)."""
    db = sqlite3.connect(f"file:{rig.state}/dwt-relay.sqlite?mode=ro", uri=True, timeout=30)
    try:
        rows = {}
        for source, state, wtid in db.execute("SELECT sourceFile, state, wasteTrackingId FROM movement ORDER BY id"):
            rows[source] = (state, wtid)
    finally:
        db.close()
    wrong = 0
    for name in os.listdir(rig.results) if os.path.isdir(rig.results) else []:
        if not name.endswith(".result.json") or name.startswith("."):
            continue
        try:
            with open(os.path.join(rig.results, name)) as f:
                claim = json.load(f)
        except (OSError, ValueError):
            wrong += 1  # a result file that is not whole
            continue
        base = name[: -len(".result.json")]
        # NAME.json's result is NAME.result.json; a CSV movement's (its first row) is NAME.csv.rowN.result.json.
        held = rows.get(base) if ".csv.row" in base else rows.get(base + ".json")
        if held is None or held[0] != claim.get("state") or held[1] != claim.get("wasteTrackingId"):
            print(f"result file {name} says {claim.get('state')} {claim.get('wasteTrackingId')}, the store {held}")
            wrong += 1
    return wrong


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def soak(args):
    work = tempfile.mkdtemp(prefix="dwt-relay-soak.")
    rig = Rig(work, ["--token-lifetime", "20"])
    faults = {"errorRate": 0.3, "latencyMs": 20, "dropBeforeStoreRate": 0.03, "dropAfterStoreRate": 0.03}
    rig.admin("PUT", "/admin/faults", faults)
    rig.start()
    fed, number, samples, exits = [], 0, [], 0
    started = time.time()
    duration = args.minutes * 60
    outage_at, outage_for = duration * 0.3, min(args.outage, duration * 0.4)
    outage_state = "before"
    next_burst, next_revoke = 10, 15
    try:
        while time.time() - started < duration:
            elapsed = time.time() - started
            for _ in range(args.rate):
                number += 1
                rig.drop(number)
                fed.append(f"CRASH-{number:06d}")
            if outage_state == "before" and elapsed >= outage_at:
                rig.admin("PUT", "/admin/faults", dict(faults, serviceDown=True))
                outage_state = "during"
            elif outage_state == "during" and elapsed >= outage_at + outage_for:
                rig.admin("PUT", "/admin/faults", faults)
                outage_state = "after"
            if outage_state != "during" and elapsed >= next_burst:
                rig.admin("PUT", "/admin/faults", dict(faults, rateLimitBurst=20, retryAfterSeconds=1))
                next_burst += 30
            if elapsed >= next_revoke:
                rig.admin("POST", "/admin/revoke-tokens")
                next_revoke += 25
            if rig.daemon.poll() is not None:
                exits += 1
                rig.start()
            samples.append((elapsed, rss_kb(rig.daemon.pid)))
            time.sleep(1)
        rig.admin("PUT", "/admin/faults", {})
        settled = wait_accepted(rig, len(fed), args.settle)
        alive = rig.daemon.poll() is None
        final_rss = rss_kb(rig.daemon.pid) if alive else 0
        rig.kill(signal.SIGTERM)
        result = verify(rig, fed)
    finally:
        rig.close()
    quarter = max(1, len(samples) // 4)
    early = sorted(s for _, s in samples[quarter:2 * quarter])[quarter // 2] if len(samples) > 4 else 0
    late = sorted(s for _, s in samples[-quarter:])[quarter // 2] if len(samples) > 4 else 0
    flat = late <= early * 1.5 + 8 * 1024
    ok = (settled and alive and exits == 0 and result["lost"] == 0 and result["notAccepted"] == 0
          and result["unflaggedDuplicates"] == 0 and flat)
    print(f"workspace: {work}")
    print(f"minutes: {args.minutes}  movements: {len(fed)}  outage: {outage_for:.0f}s  daemonExits: {exits}")
    print(f"rssKB: early {early}, late {late}, final {final_rss} ({'flat' if flat else 'GROWING'})")
    for key in ["lost", "notAccepted", "duplicatesFlagged", "duplicatesAtService", "unflaggedDuplicates", "integrity"]:
        print(f"{key}: {result[key]}")
    print(f"soak: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    crash = sub.add_parser("crash-test")
    crash.add_argument("--kills", type=int, default=200)
    crash.add_argument("--per-round", type=int, default=5)
    crash.add_argument("--max-delay", type=float, default=0.4)
    crash.add_argument("--settle", type=float, default=300)
    s = sub.add_parser("soak")
    s.add_argument("--minutes", type=float, default=10)
    s.add_argument("--rate", type=int, default=5, help="movements per second")
    s.add_argument("--outage", type=float, default=60, help="seconds the whole service is down")
    s.add_argument("--settle", type=float, default=300)
    power = sub.add_parser("power-loss")
    power.add_argument("--cuts", type=int, default=100)
    power.add_argument("--max-delay", type=float, default=1.5, help="longest run between two cuts (s)")
    power.add_argument("--settle", type=float, default=300)
    power.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return {"crash-test": crash_test, "soak": soak, "power-loss": power_loss}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
