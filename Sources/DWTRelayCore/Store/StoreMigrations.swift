import GRDB

/// The schema history. A migration is never edited once it has shipped: add a new one instead.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE movement (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        sourceFile TEXT,
                        contentHash TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        apiCode TEXT,
                        yourUniqueReference TEXT,
                        kind TEXT NOT NULL,
                        targetWasteTrackingId TEXT,
                        revisionOf INTEGER REFERENCES movement(id),
                        state TEXT NOT NULL,
                        holdReason TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt REAL,
                        wasteTrackingId TEXT,
                        warnings TEXT,
                        errors TEXT,
                        lastError TEXT,
                        lastStatus INTEGER,
                        possibleDuplicate INTEGER NOT NULL DEFAULT 0,
                        notFound INTEGER NOT NULL DEFAULT 0,
                        dateTimeReceived TEXT,
                        receivedAt REAL NOT NULL,
                        sentAt REAL,
                        acceptedAt REAL,
                        finishedAt REAL,
                        updatedAt REAL NOT NULL,
                        serviceChargeExpiry TEXT,
                        resultWritten INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX movement_state_id ON movement(state, id);
                    CREATE INDEX movement_state_next ON movement(state, nextAttemptAt);
                    CREATE INDEX movement_reference ON movement(yourUniqueReference, id);
                    CREATE INDEX movement_source ON movement(sourceFile, contentHash);
                    CREATE INDEX movement_hash ON movement(contentHash);
                    CREATE INDEX movement_received ON movement(receivedAt);
                    CREATE INDEX movement_revision ON movement(revisionOf) WHERE revisionOf IS NOT NULL;
                    CREATE INDEX movement_possible_duplicate ON movement(id) WHERE possibleDuplicate = 1;
                    CREATE INDEX movement_result_due ON movement(id) WHERE resultWritten = 0
                        AND state IN ('accepted', 'rejected');

                    CREATE TABLE movementEvent (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        movementId INTEGER NOT NULL REFERENCES movement(id) ON DELETE CASCADE,
                        at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        method TEXT,
                        path TEXT,
                        status INTEGER,
                        durationMs REAL,
                        fromState TEXT,
                        toState TEXT,
                        message TEXT
                    );
                    CREATE INDEX movementEvent_movement ON movementEvent(movementId, id);

                    -- Per-state counts kept by triggers so that `status` is O(1) with millions of rows.
                    CREATE TABLE stateCount (state TEXT PRIMARY KEY, n INTEGER NOT NULL);
                    CREATE TRIGGER movement_count_insert AFTER INSERT ON movement BEGIN
                        INSERT INTO stateCount(state, n) VALUES (NEW.state, 1)
                            ON CONFLICT(state) DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER movement_count_update AFTER UPDATE OF state ON movement
                        WHEN OLD.state <> NEW.state BEGIN
                        UPDATE stateCount SET n = n - 1 WHERE state = OLD.state;
                        INSERT INTO stateCount(state, n) VALUES (NEW.state, 1)
                            ON CONFLICT(state) DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER movement_count_delete AFTER DELETE ON movement BEGIN
                        UPDATE stateCount SET n = n - 1 WHERE state = OLD.state;
                    END;

                    -- Daemon-wide facts for `status`: auth state, circuit, last success, service charge per apiCode.
                    CREATE TABLE serviceState (key TEXT PRIMARY KEY, value TEXT, updatedAt REAL NOT NULL);
                    """)
        }
        migrator.registerMigration("v2-deadline") { db in
            try db.execute(
                sql: """
                    ALTER TABLE movement ADD COLUMN deadlineAt REAL;
                    CREATE INDEX movement_state_deadline ON movement(state, deadlineAt);
                    """)
        }
        migrator.registerMigration("v3-reference-data") { db in
            try db.execute(
                sql: """
                    CREATE TABLE referenceData (kind TEXT PRIMARY KEY, body BLOB NOT NULL, fetchedAt REAL NOT NULL);
                    """)
        }
        migrator.registerMigration("v4-sites") { db in
            try db.execute(
                sql: """
                    ALTER TABLE movement ADD COLUMN site TEXT;
                    CREATE INDEX movement_site_state ON movement(site, state);
                    """)
        }
        migrator.registerMigration("v5-drop-unused-hash-index") { db in
            // No query uses it (duplicate checks search movement_source, whose second column is the hash),
            // and its random keys dirtied one more page per stored movement: intake wrote less without it.
            try db.execute(sql: "DROP INDEX IF EXISTS movement_hash")
        }
        migrator.registerMigration("v6-acknowledgements-and-refusals") { db in
            // A rejected movement or a refused file is a load the law still wants reported: it keeps status at
            // WARNING until an operator acknowledges it or a corrected file follows.
            try db.execute(
                sql: """
                    ALTER TABLE movement ADD COLUMN acknowledgedAt REAL;
                    CREATE TABLE refusal (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        site TEXT,
                        sourceFile TEXT NOT NULL,
                        failedPath TEXT,
                        reason TEXT NOT NULL,
                        field TEXT,
                        refusedAt REAL NOT NULL,
                        deadlineAt REAL NOT NULL,
                        acknowledgedAt REAL
                    );
                    CREATE INDEX refusal_open ON refusal(refusedAt) WHERE acknowledgedAt IS NULL;
                    """)
        }
        migrator.registerMigration("v7-alerts") { db in
            // Alerts wait here until each channel has taken them; unsent ones of a kind are coalesced.
            try db.execute(
                sql: """
                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        channel TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        lines TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        createdAt REAL NOT NULL,
                        updatedAt REAL NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt REAL NOT NULL,
                        sentAt REAL,
                        lastError TEXT
                    );
                    CREATE INDEX alert_unsent ON alert(nextAttemptAt) WHERE sentAt IS NULL;
                    """)
        }
        migrator.registerMigration("v8-intake-notes") { db in
            // What intake did to a movement (filled from defaults, put into the API's form, which CSV rows),
            // for its result file; and a refused CSV row is dealt with once a movement of its reference is taken.
            try db.execute(
                sql: """
                    ALTER TABLE movement ADD COLUMN intakeNotes TEXT;
                    ALTER TABLE refusal ADD COLUMN yourUniqueReference TEXT;
                    """)
        }
        return migrator
    }
}
