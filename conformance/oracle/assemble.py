"""Joins the UAT cases and the probe cases into conformance/defra-corpus.json.

Every case's `expected` is what Defra's code answers. Where the UAT suite (which runs against the
deployed service) asserts something else, the case keeps the UAT's assertion under `uat` and says why:
those answers depend on the service's state (which apiCodes exist, who has paid, authentication), or
the UAT suite and Defra's code disagree with each other.
"""
import json, re, sys

sources_path, uat_path, probes_path, verdicts_path, skipped_path = sys.argv[1:6]
sources = json.load(open(sources_path))
cases = []
seen = set()


def matches(expected, actual):
    """A UAT expectation field: a literal, or a Jest matcher (expect.any, expect.stringMatching)."""
    if isinstance(expected, dict) and "stringMatching" in expected:
        pattern = expected["stringMatching"]
        body, _, flags = pattern[1:].rpartition("/")
        return re.search(body, actual, re.I if "i" in flags else 0) is not None
    if isinstance(expected, dict) and "any" in expected:
        return True
    return expected == actual


def same_errors(expected, actual):
    return len(expected) == len(actual) and all(
        all(matches(e.get(field), a.get(field)) for field in ("key", "errorType", "message"))
        for e, a in zip(expected, actual))


def verdict(status, errors, warnings):
    return {"status": status, "errors": errors, "warnings": warnings}


for n, case in enumerate(json.load(open(uat_path)), 1):
    code = case["defraCode"]
    expected = verdict(code["status"], code["errors"], code["warnings"])
    entry = {"id": f"uat-{n:03d}", "source": {"repo": "DEFRA/digital-waste-tracking-uat", **case["source"]},
             "body": case["body"], "expected": expected}
    uat = case["uat"]
    uat_status_differs = uat["status"] is not None and uat["status"] != code["status"]
    uat_errors_differ = uat["errors"] is not None and not same_errors(uat["errors"], code["errors"])
    if uat_status_differs or uat_errors_differ:
        entry["uat"] = {"status": uat["status"], "errors": uat["errors"]}
        if uat["status"] in (401, 402) or (uat["errors"] and uat["errors"][0]["key"] == "apiCode"):
            entry["serviceState"] = {401: "authentication", 402: "payment"}.get(uat["status"], "unknown apiCode")
        else:
            entry["uatDisagreesWithCode"] = True
    cases.append(entry)

verdicts = {v["id"]: v for v in json.load(open(verdicts_path))}
for probe in json.load(open(probes_path)):
    v = verdicts[probe["id"]]
    cases.append({"id": f"probe-{probe['id']}",
                  "source": {"repo": "DEFRA/waste-movement-utils", "file": "conformance/oracle/mutations.py",
                             "test": probe["id"]},
                  "body": probe["body"], "expected": verdict(v["status"], v["errors"], v["warnings"])})

skipped = [line.strip() for line in open(skipped_path) if line.strip()]
json.dump({"about": "Request bodies and what Defra's code answers to POST /movements/receive. Built by "
                    "conformance/oracle/build-corpus.sh; do not edit by hand.",
           "sources": {name: pin["commit"] for name, pin in sources.items()},
           "notCases": skipped, "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
