-- Port procedures: shipping agencies and their staff, vessels and port calls, dossiers with the
-- people on board, and every change of a dossier's status.
-- Times are milliseconds since 1970 UTC; the people on board are JSON lists.

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    tax_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);

-- An agent works for one agency; closing the agency disables its accounts.
ALTER TABLE users ADD COLUMN agency_id BIGINT REFERENCES agencies (id);
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

CREATE TABLE vessels (
    imo TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    call_sign TEXT,
    flag TEXT,
    vessel_type TEXT,
    gross_tonnage BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE port_calls (
    id INTEGER PRIMARY KEY,
    vessel_imo TEXT NOT NULL REFERENCES vessels (imo),
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    eta BIGINT,
    etd BIGINT,
    berth TEXT,
    last_port TEXT,
    next_port TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX port_calls_by_vessel ON port_calls (vessel_imo, created_at);

-- The clock: `clock_used_ms` of running time before the current run, which started at
-- `running_since` (NULL while stopped); `due_at` follows from them and the deadline.
CREATE TABLE dossiers (
    id TEXT PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    procedure TEXT NOT NULL,
    checkpoint TEXT NOT NULL REFERENCES checkpoints (code),
    port_call_id BIGINT REFERENCES port_calls (id),
    status TEXT NOT NULL,
    declaration TEXT NOT NULL,
    crew TEXT NOT NULL,
    passengers TEXT NOT NULL,
    deadline_ms BIGINT NOT NULL,
    clock_used_ms BIGINT NOT NULL,
    running_since BIGINT,
    due_at BIGINT,
    submitted_at BIGINT,
    resolved_at BIGINT,
    on_time BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX dossiers_queue ON dossiers (checkpoint, status, due_at);
CREATE INDEX dossiers_by_agency ON dossiers (agency_id, updated_at);
CREATE INDEX dossiers_by_submission ON dossiers (submitted_at);

CREATE TABLE dossier_events (
    id INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX dossier_events_by_dossier ON dossier_events (dossier_id, id);
