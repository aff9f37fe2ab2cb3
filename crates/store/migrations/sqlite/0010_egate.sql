-- E-gate transactions: what a gate read and measured, what the platform decided and why, and
-- how long each step took. No image: the gate sends scores, never the face or the prints.
CREATE TABLE egate_transactions (
    id TEXT PRIMARY KEY,
    checkpoint TEXT NOT NULL,
    gate TEXT NOT NULL,
    direction TEXT NOT NULL,
    at BIGINT NOT NULL,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    doc_type TEXT,
    issuing_state TEXT,
    number TEXT,
    holder TEXT,
    birth_date TEXT,
    document_text TEXT,
    chip_access TEXT,
    chip TEXT NOT NULL,
    face_score REAL,
    liveness REAL,
    fingerprints TEXT,
    timings TEXT NOT NULL,
    gate_ms BIGINT,
    platform_ms BIGINT NOT NULL,
    crossing_id TEXT,
    actor TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    taken_by TEXT,
    taken_at BIGINT
);
CREATE INDEX egate_by_checkpoint ON egate_transactions (checkpoint, at);
CREATE INDEX egate_by_gate ON egate_transactions (checkpoint, gate, at);
CREATE INDEX egate_referrals_open ON egate_transactions (checkpoint, at)
    WHERE decision = 'refer' AND taken_at IS NULL;

-- The scores a checkpoint's gates must reach; the platform's defaults where none is set.
CREATE TABLE egate_settings (
    checkpoint TEXT PRIMARY KEY,
    face_min REAL NOT NULL,
    liveness_min REAL NOT NULL,
    fingerprint_min REAL NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- The Country Signing CAs' revocation lists, each once by the SHA-256 of its DER.
CREATE TABLE csca_crls (
    fingerprint TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    issuer TEXT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT,
    source TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX csca_crls_by_addition ON csca_crls (added_at);

-- At a node: the revocation lists brought down from headquarters, up to this time of its.
ALTER TABLE node_self ADD COLUMN csca_crls_as_of BIGINT NOT NULL DEFAULT 0;
