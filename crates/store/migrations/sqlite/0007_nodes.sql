-- Checkpoint nodes: each post's own server, syncing with headquarters (docs/sync.md).

-- At headquarters: the nodes enrolled, or waiting to be. A one-time enrolment secret and the
-- node's credential are kept as SHA-256 digests; a revoked node is refused at once.
CREATE TABLE nodes (
    checkpoint TEXT PRIMARY KEY REFERENCES checkpoints (code),
    secret_hash TEXT,
    credential_hash TEXT UNIQUE,
    added_at BIGINT NOT NULL,
    enrolled_at BIGINT,
    revoked_at BIGINT,
    last_contact BIGINT,
    backlog BIGINT NOT NULL DEFAULT 0,
    version TEXT,
    clock_offset_ms BIGINT
);

-- At headquarters: a record a node sent whose id was already stored with another body. Kept
-- and shown, never merged.
CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    node TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (node, kind, record_id, body)
);

-- At headquarters: each node's audit trail, as the node chained it, per enrolment (a node
-- enrolled again starts a new chain, under a new key).
CREATE TABLE node_audit (
    node TEXT NOT NULL,
    enrolment BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (node, enrolment, seq)
);
CREATE TRIGGER node_audit_no_update BEFORE UPDATE ON node_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER node_audit_no_delete BEFORE DELETE ON node_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- At a node: who it is and how far each direction of the sync has come. One row, written at
-- enrolment; its presence is what makes a database a node's.
CREATE TABLE node_self (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    hq_url TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    -- The last outbox record and audit record headquarters acknowledged.
    up_acked BIGINT NOT NULL DEFAULT 0,
    audit_acked BIGINT NOT NULL DEFAULT 0,
    -- Headquarters' watchlist change log, applied up to here; while a first copy is taken, the
    -- last entry id copied and the log's head when the copy began.
    watch_seq BIGINT NOT NULL DEFAULT 0,
    watch_copy_after TEXT,
    watch_copy_head BIGINT,
    watch_as_of BIGINT,
    trust_as_of BIGINT
);

-- At a node: what waits to go up, in the order it happened. Filled by triggers in the same
-- transaction as the record, so that nothing stored can miss it; emptied as headquarters
-- acknowledges.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL
);

-- A crossing goes up once the node has settled its decision: at once when it was screened on
-- arrival, else when the background screening settles it.
CREATE TRIGGER outbox_crossing AFTER INSERT ON crossings
    WHEN NEW.screened_at IS NOT NULL AND EXISTS (SELECT 1 FROM node_self)
BEGIN
    INSERT INTO outbox (kind, record_id) VALUES ('crossing', NEW.id);
END;
CREATE TRIGGER outbox_crossing_settled AFTER UPDATE OF screened_at ON crossings
    WHEN OLD.screened_at IS NULL AND NEW.screened_at IS NOT NULL
        AND EXISTS (SELECT 1 FROM node_self)
BEGIN
    INSERT INTO outbox (kind, record_id) VALUES ('crossing', NEW.id);
END;
