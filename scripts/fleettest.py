#!/usr/bin/env python3
"""The fleet view end to end with the real engine: three relays (three sites) on loopback against the
sandbox, each scraped by its own Prometheus agent that remote-writes to one central Prometheus running the
shipped rules (monitoring/prometheus/dwt-relay-rules.yml, `for:` shortened to 1 s), which sends to an
Alertmanager (the shipped example's grouping and inhibition, its receivers replaced by a webhook here).

Site a is healthy, site b has a load Defra rejected and nobody has dealt with, site c has a wrong client
secret. Asserted, from what the webhook receives: the rejected-load and credentials alerts arrive, each
labelled with its site; site a raises none; stopping a's relay raises DwtRelayDown for a and only a; `ack`
on b resolves its alert. Needs prometheus and prometheus-alertmanager (Debian), python3-yaml.

Usage: scripts/fleet-test [--timeout 120]
"""
import argparse, http.server, json, os, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relaytest import EXAMPLE, binary, free_port  # noqa: E402

API_CODES = {"a": "1f83215e-4b90-4785-9ab2-2614839aa2e9", "b": "c1611aa6-e1ae-487f-9768-cb2b5e5b8afb",
             "c": "5a6058cc-ac78-47e1-b1b3-37b5eca15cb2"}
SITE_NAMES = {"a": "north-quarry", "b": "east-transfer", "c": "west-landfill"}


class Hook(http.server.BaseHTTPRequestHandler):
    received = []
    lock = threading.Lock()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Hook.lock:
            for alert in body.get("alerts", []):
                Hook.received.append((alert["status"], alert["labels"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def seen(status, alertname, site=None):
    with Hook.lock:
        return [labels for s, labels in Hook.received
                if s == status and labels.get("alertname") == alertname and (site is None or labels.get("site") == site)]


def wait_for(what, predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            print(f"ok: {what} ({timeout - (deadline - time.time()):.1f} s)")
            return True
        time.sleep(0.25)
    print(f"FAILED: {what} within {timeout} s")
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=120, help="seconds each expected alert may take")
    args = parser.parse_args()
    for tool in ["prometheus", "prometheus-alertmanager"]:
        if not shutil.which(tool):
            sys.exit(f"fleet-test: {tool} not found (apt-get install prometheus prometheus-alertmanager)")
    bin = binary()
    work = tempfile.mkdtemp(prefix="dwt-relay-fleet.")
    processes = []

    def spawn(name, argv):
        log = open(os.path.join(work, name + ".log"), "w")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    failures = 0
    try:
        sandbox_port = free_port()
        spawn("sandbox", [bin, "sandbox", "--port", str(sandbox_port), "--client-secret", "fleet-secret"])
        base = f"http://127.0.0.1:{sandbox_port}"

        # Alertmanager: the shipped grouping and inhibition; a webhook for every receiver; short waits.
        with open(os.path.join(ROOT, "monitoring", "alertmanager", "alertmanager.yml")) as f:
            am = yaml.safe_load(f)
        am.pop("global", None)
        hook_url = f"http://127.0.0.1:{hook.server_address[1]}/"
        for receiver in am["receivers"]:
            for key in list(receiver):
                if key.endswith("_configs"):
                    del receiver[key]
            receiver["webhook_configs"] = [{"url": hook_url, "send_resolved": True}]
        am["route"].update({"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"})
        for route in am["route"].get("routes", []):
            route.pop("repeat_interval", None)
        am_config = os.path.join(work, "alertmanager.yml")
        with open(am_config, "w") as f:
            yaml.safe_dump(am, f)
        am_port = free_port()
        spawn("alertmanager", ["prometheus-alertmanager", f"--config.file={am_config}",
                               f"--storage.path={work}/alertmanager", f"--web.listen-address=127.0.0.1:{am_port}",
                               "--cluster.listen-address="])

        # The central Prometheus: the shipped rules with every `for:` at 1 s.
        with open(os.path.join(ROOT, "monitoring", "prometheus", "dwt-relay-rules.yml")) as f:
            rules = yaml.safe_load(f)
        for group in rules["groups"]:
            group["interval"] = "1s"
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = "1s"
        with open(os.path.join(work, "dwt-relay-rules.yml"), "w") as f:
            yaml.safe_dump(rules, f)
        with open(os.path.join(ROOT, "monitoring", "prometheus", "central.yml")) as f:
            central = yaml.safe_load(f)
        central["global"]["evaluation_interval"] = "1s"
        central["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{am_port}"]
        central_config = os.path.join(work, "central.yml")
        with open(central_config, "w") as f:
            yaml.safe_dump(central, f)
        central_port = free_port()
        spawn("central", ["prometheus", f"--config.file={central_config}", f"--storage.tsdb.path={work}/central",
                          f"--web.listen-address=127.0.0.1:{central_port}", "--web.enable-remote-write-receiver",
                          "--rules.alert.resend-delay=1s"])

        relays, configs = {}, {}
        for site in "abc":
            folder = os.path.join(work, site)
            os.makedirs(folder)
            secret = os.path.join(folder, "client-secret")
            with open(os.open(secret, os.O_CREAT | os.O_WRONLY, 0o600), "w") as f:
                f.write("fleet-secret" if site != "c" else "a-wrong-secret")
            port = free_port()
            config = os.path.join(folder, "dwt-relay.yaml")
            with open(config, "w") as f:
                yaml.safe_dump({
                    "api": {"base_url": base, "token_url": base + "/oauth2/token", "client_id": "sandbox-client",
                            "client_secret_file": secret},
                    "paths": {name: os.path.join(folder, name) for name in ["inbox", "failed", "results", "state"]},
                    "storage": {"key_file": os.path.join(folder, "storage-key")},
                    "site": {"api_code": API_CODES[site]},
                    # Site b's load must reach Defra to be rejected there.
                    "intake": {"validate": "off"},
                    "delivery": {"backoff_initial_seconds": 0.1, "backoff_max_seconds": 1, "auth_probe_seconds": 1},
                    "http": {"listen": f"127.0.0.1:{port}"}, "log": {"level": "warning"},
                }, f)
            configs[site] = config
            relays[site] = spawn(f"relay-{site}", [bin, "run", "--config", config])
            # Its agent, from the shipped example: scrape the relay, label the site, remote-write centrally.
            with open(os.path.join(ROOT, "monitoring", "prometheus", "agent.yml")) as f:
                agent = yaml.safe_load(f)
            agent["global"]["scrape_interval"] = "1s"
            agent["global"]["external_labels"] = {"site": SITE_NAMES[site], "site_group": "vendor-a"}
            agent["scrape_configs"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{port}"]
            agent["remote_write"] = [{"url": f"http://127.0.0.1:{central_port}/api/v1/write",
                                      "queue_config": {"batch_send_deadline": "1s", "min_backoff": "100ms",
                                                       "max_backoff": "1s"}}]
            agent_config = os.path.join(folder, "agent.yml")
            with open(agent_config, "w") as f:
                yaml.safe_dump(agent, f)
            spawn(f"agent-{site}", ["prometheus", "--enable-feature=agent", f"--config.file={agent_config}",
                                    f"--storage.agent.path={folder}/agent", f"--web.listen-address=127.0.0.1:{free_port()}"])

        # Site a: a good load. Site b: a load Defra refuses (a container type it does not know).
        time.sleep(2)
        for site, container in [("a", "SKI"), ("b", "XYZ")]:
            body = json.load(open(EXAMPLE))
            body["apiCode"] = API_CODES[site]
            body["yourUniqueReference"] = f"FLEET-{site}"
            body["dateTimeReceived"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            body["wasteItems"][0]["typeOfContainers"] = container
            inbox = os.path.join(work, site, "inbox")
            os.makedirs(inbox, exist_ok=True)
            with open(os.path.join(inbox, ".load.tmp"), "w") as f:
                json.dump(body, f)
            os.rename(os.path.join(inbox, ".load.tmp"), os.path.join(inbox, "load.json"))

        # Each relay's site_info carries the site its agent names (a relay's own "default" would win over it).
        def central_sites():
            url = f"http://127.0.0.1:{central_port}/api/v1/query?query=dwt_relay_site_info"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    result = json.loads(response.read())["data"]["result"]
            except OSError:
                return set()
            return {series["metric"].get("site") for series in result}
        checks = [
            wait_for("dwt_relay_site_info arrives centrally under each agent's site name",
                     lambda: central_sites() == set(SITE_NAMES.values()), args.timeout),
            wait_for("DwtRelayLoadsRejected fires for east-transfer",
                     lambda: seen("firing", "DwtRelayLoadsRejected", "east-transfer"), args.timeout),
            wait_for("DwtRelayCredentialsFailing fires for west-landfill",
                     lambda: seen("firing", "DwtRelayCredentialsFailing", "west-landfill"), args.timeout),
        ]
        with Hook.lock:
            quiet = [labels for status, labels in Hook.received if labels.get("site") == "north-quarry"]
        print(("ok: " if not quiet else "FAILED: ") + f"north-quarry raised nothing ({quiet})")
        checks.append(not quiet)
        with Hook.lock:
            wrong = [labels for status, labels in Hook.received
                     if labels.get("alertname") == "DwtRelayLoadsRejected" and labels.get("site") != "east-transfer"
                     or labels.get("alertname") == "DwtRelayCredentialsFailing" and labels.get("site") != "west-landfill"]
        print(("ok: " if not wrong else "FAILED: ") + f"each alert names only its own site ({wrong})")
        checks.append(not wrong)

        relays["a"].send_signal(signal.SIGTERM)
        relays["a"].wait(timeout=30)
        checks.append(wait_for("DwtRelayDown fires for north-quarry once its relay stops",
                               lambda: seen("firing", "DwtRelayDown", "north-quarry"), args.timeout))
        time.sleep(3)
        others = [labels for labels in seen("firing", "DwtRelayDown") if labels.get("site") != "north-quarry"]
        print(("ok: " if not others else "FAILED: ") + f"DwtRelayDown for no other site ({others})")
        checks.append(not others)

        ack = subprocess.run([bin, "ack", "--all", "--config", configs["b"]], capture_output=True, text=True)
        print(f"ack --all at east-transfer: exit {ack.returncode} {ack.stdout.strip()} {ack.stderr.strip()}")
        checks.append(ack.returncode == 0)
        checks.append(wait_for("DwtRelayLoadsRejected resolves for east-transfer after ack",
                               lambda: seen("resolved", "DwtRelayLoadsRejected", "east-transfer"), args.timeout))
        failures = checks.count(False)
    finally:
        stopping = time.time()
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            began = time.time()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
            if time.time() - began > 2:
                print(f"slow to stop: {process.args[:2]} {time.time() - began:.1f} s")
        hook.shutdown()
        print(f"stopped everything in {time.time() - stopping:.1f} s")
    print(f"workspace: {work}")
    print(f"fleet-test: {'1 passed, 0 failed' if failures == 0 else '0 passed, 1 failed'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
