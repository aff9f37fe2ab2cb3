-- Checkpoints, accounts, devices, travellers, crossings, watchlist, alerts and the audit trail.
-- Times are milliseconds since 1970 UTC; identifiers of outside origin are TEXT.

CREATE TABLE checkpoints (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_ascii TEXT NOT NULL,
    kind TEXT NOT NULL,
    province TEXT NOT NULL,
    neighbour TEXT,
    counterpart TEXT
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    checkpoint TEXT REFERENCES checkpoints (code),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Bearer tokens, web sessions and device tokens, by the SHA-256 of the secret.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    device_id BIGINT REFERENCES devices (id),
    csrf TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);

CREATE TABLE travellers (
    id INTEGER PRIMARY KEY,
    issuing_state TEXT NOT NULL,
    number TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    nationality TEXT,
    birth_date TEXT,
    sex TEXT,
    expiry_date TEXT,
    issuing_area TEXT,
    name_key TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (issuing_state, number)
);
CREATE INDEX travellers_by_name ON travellers (name_key, birth_date);

CREATE TABLE crossings (
    id TEXT PRIMARY KEY,
    traveller_id BIGINT NOT NULL REFERENCES travellers (id),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    direction TEXT NOT NULL,
    channel TEXT NOT NULL,
    at BIGINT NOT NULL,
    decision TEXT NOT NULL,
    actor TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX crossings_by_traveller ON crossings (traveller_id, at DESC);
CREATE INDEX crossings_by_checkpoint ON crossings (checkpoint, at);

CREATE TABLE watchlist (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    birth_date TEXT,
    nationality TEXT,
    sex TEXT,
    documents TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    valid_until TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    removed_at BIGINT
);

-- Every change of an entry, in order: how each server process keeps its index in step.
CREATE TABLE watchlist_log (
    seq INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES watchlist (id),
    traveller_id BIGINT NOT NULL REFERENCES travellers (id),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    score DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX alerts_by_status ON alerts (status, raised_at);
CREATE UNIQUE INDEX alerts_one_open ON alerts (entry_id, traveller_id) WHERE status = 'open';
CREATE INDEX alerts_by_pair ON alerts (traveller_id, entry_id, status);

CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- The chain's head: updating it first serialises writers, whichever process they run in.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
