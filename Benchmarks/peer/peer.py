#!/usr/bin/env python3
"""The obvious alternative to dwt-relay, written the straightforward way: one SQLite commit per file and
one sequential HTTP request per movement (requests + sqlite3). Used by Benchmarks/bench.py as the peer."""
import json, os, sqlite3, sys, time
import requests


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS movement (id INTEGER PRIMARY KEY, file TEXT, payload BLOB, state TEXT, wtid TEXT)")
    return db


def ingest(inbox, db_path, expected):
    """Take every file in the inbox: read, commit, delete. Returns seconds."""
    db = open_db(db_path)
    started, taken = time.time(), 0
    while taken < expected:
        for name in sorted(os.listdir(inbox)):
            if not name.endswith(".json") or name.startswith("."):
                continue
            path = os.path.join(inbox, name)
            with open(path, "rb") as f:
                payload = f.read()
            json.loads(payload)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO movement(file, payload, state) VALUES (?, ?, 'queued')", (name, payload))
            db.execute("COMMIT")
            os.unlink(path)
            taken += 1
    return time.time() - started


def drain(db_path, base_url, token):
    """Send every queued movement sequentially and record the answer. Returns (seconds, count)."""
    db = open_db(db_path)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started, sent = time.time(), 0
    for row_id, payload in db.execute("SELECT id, payload FROM movement WHERE state = 'queued'").fetchall():
        response = session.post(base_url + "/movements/receive", data=payload, headers=headers, timeout=30)
        state = "accepted" if response.status_code == 201 else "queued"
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE movement SET state = ?, wtid = ? WHERE id = ?", (state, response.json().get("wasteTrackingId"), row_id))
        db.execute("COMMIT")
        sent += 1
    return time.time() - started, sent


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "ingest":
        print(json.dumps({"seconds": ingest(sys.argv[2], sys.argv[3], int(sys.argv[4]))}))
    elif command == "drain":
        seconds, count = drain(sys.argv[2], sys.argv[3], sys.argv[4])
        print(json.dumps({"seconds": seconds, "count": count}))
