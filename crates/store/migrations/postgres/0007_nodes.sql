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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE TRIGGER node_audit_no_change BEFORE UPDATE OR DELETE ON node_audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- At a node (nodes run on SQLite; the tables are here too so that one SQL text serves both).
CREATE TABLE node_self (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    hq_url TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    up_acked BIGINT NOT NULL DEFAULT 0,
    audit_acked BIGINT NOT NULL DEFAULT 0,
    watch_seq BIGINT NOT NULL DEFAULT 0,
    watch_copy_after TEXT,
    watch_copy_head BIGINT,
    watch_as_of BIGINT,
    trust_as_of BIGINT
);

CREATE TABLE outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL
);

CREATE FUNCTION outbox_crossing() RETURNS trigger AS $$
BEGIN
    IF NEW.screened_at IS NOT NULL
        AND (TG_OP = 'INSERT' OR OLD.screened_at IS NULL)
        AND EXISTS (SELECT 1 FROM node_self) THEN
        INSERT INTO outbox (kind, record_id) VALUES ('crossing', NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_crossing AFTER INSERT OR UPDATE OF screened_at ON crossings
    FOR EACH ROW EXECUTE FUNCTION outbox_crossing();
