"""Writes conformance/fuzz-corpus.json: the base body once, and per fuzzed case its edits and what Defra's
code answered (status; each error's key and type; each warning's key). Messages are left out: the
corpus is checked for the same status and the same keys, and 6,000 messages would be most of its size.

Usage: assemble-fuzz.py SEED sources.json base.json fuzz-cases.json fuzz-verdicts.json"""
import json, sys

seed, sources, base, cases, verdicts = sys.argv[1:6]
pins = {name: entry["commit"] for name, entry in json.load(open(sources)).items()}
answers = {v["id"]: v for v in json.load(open(verdicts))}
out = []
for case in json.load(open(cases)):
    answer = answers[case["id"]]
    out.append({
        "id": case["id"], "family": case["family"], "ops": case["ops"],
        "expected": {
            "status": answer["status"],
            "errors": [[e["key"], e["errorType"]] for e in answer["errors"]],
            "warnings": [w["key"] for w in answer["warnings"]],
        },
    })
corpus = {
    "about": "Seeded fuzz of Receipt API bodies (conformance/oracle/fuzz.py) with the answers of Defra's own "
             "code (defra-verdict.mjs); see conformance/README.md. Each case is the base body with its ops applied.",
    "seed": int(seed), "sources": pins, "base": json.load(open(base)), "cases": out,
}
json.dump(corpus, sys.stdout, ensure_ascii=False, separators=(",", ":"))
sys.stdout.write("\n")
