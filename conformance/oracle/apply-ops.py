"""Applies fuzz.py's edits to the base body: stdin {"base", "cases"} → stdout [{id, body}] for defra-verdict.mjs.
An edit whose parent is missing (removed by an earlier edit, or not an object) is skipped, as ApplyOps in
the Swift test skips it."""
import copy, json, sys


def apply(body, op):
    kind, path = op[0], op[1]
    node = body
    for key in path[:-1]:
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return
    last = path[-1]
    if kind == "del":
        if isinstance(node, dict) and isinstance(last, str):
            node.pop(last, None)
        elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
            del node[last]
        return
    value = copy.deepcopy(op[2])
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int):
        if 0 <= last < len(node):
            node[last] = value
        elif last == len(node):
            node.append(value)


data = json.load(sys.stdin)
out = []
for case in data["cases"]:
    body = copy.deepcopy(data["base"])
    for op in case["ops"]:
        apply(body, op)
    out.append({"id": case["id"], "body": body})
json.dump(out, sys.stdout, ensure_ascii=False)
