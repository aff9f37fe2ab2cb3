-- Permits with signed seals, and the keys that sign them. Private keys are kept locked under
-- the operator's passphrase (never in the clear); certificates and revocation lists as DER.
-- Times are milliseconds since 1970 UTC; a permit's days are Việt Nam dates (YYYY-MM-DD).

-- The root (role 'root') and one barcode signer per checkpoint (role 'signer'). A rotated
-- signer is retired: it signs no more, and its certificate stays in the trust store so that
-- what it signed still verifies.
CREATE TABLE signing_keys (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role TEXT NOT NULL,
    checkpoint TEXT REFERENCES checkpoints (code),
    signer_identifier TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    certificate BYTEA NOT NULL,
    locked_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX signing_keys_by_checkpoint ON signing_keys (checkpoint, retired_at);

-- Revocation lists as signed, newest by number: scope 'certificates' or 'permits'.
CREATE TABLE revocation_lists (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL,
    number BIGINT NOT NULL,
    der BYTEA NOT NULL,
    issued_at BIGINT NOT NULL,
    UNIQUE (scope, number)
);

CREATE TABLE permits (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    dossier_id TEXT REFERENCES dossiers (id),
    family_name TEXT NOT NULL,
    given_names TEXT NOT NULL,
    nationality TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    document_number TEXT NOT NULL,
    vessel_imo TEXT,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    seal BYTEA NOT NULL,
    signer TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT,
    revocation_reason TEXT
);
CREATE INDEX permits_by_checkpoint ON permits (checkpoint, issued_at);
CREATE INDEX permits_by_dossier ON permits (dossier_id);

-- Accepted scans at a port: the holder going ashore or back aboard.
CREATE TABLE permit_movements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    permit_id TEXT NOT NULL REFERENCES permits (id),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    direction TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX permit_movements_by_permit ON permit_movements (permit_id, at);
