-- What a probe of the running server found: bounds, client decisions, revocation, alerts per
-- checkpoint and a keyed audit trail.

-- A decision the client sent (a device, a post that decided offline) is kept beside the
-- platform's own, which is the crossing's decision.
ALTER TABLE crossings ADD COLUMN client_decision TEXT;

-- When the platform screened the crossing: at once for a crossing it decided, in the background
-- for one a batch brought with its own decision. Those recorded before were screened or decided
-- by the platform then.
ALTER TABLE crossings ADD COLUMN screened_at BIGINT;
UPDATE crossings SET screened_at = recorded_at;
CREATE INDEX crossings_unscreened ON crossings (recorded_at, id) WHERE screened_at IS NULL;

-- A digest of a dossier's filing as sent: the same id with another body is a conflict.
ALTER TABLE dossiers ADD COLUMN filing_hash TEXT;

-- A device may be revoked: its tokens stop working at once.
ALTER TABLE devices ADD COLUMN revoked_at BIGINT;

-- One open alert per entry, traveller and checkpoint: the commander of every checkpoint where
-- a listed person turns up sees the hit, whatever is open elsewhere.
DROP INDEX alerts_one_open;
CREATE UNIQUE INDEX alerts_one_open_here ON alerts (entry_id, traveller_id, checkpoint)
    WHERE status = 'open';

-- Times taken before they were bounded (1900-01-01 to 2199-12-31, UTC): such a crossing takes
-- the time it was recorded at, which the server's clock gave.
UPDATE crossings SET at = recorded_at WHERE at < -2208988800000 OR at > 7258118399999;
UPDATE port_calls SET eta = NULL WHERE eta < -2208988800000 OR eta > 7258118399999;
UPDATE port_calls SET etd = NULL WHERE etd < -2208988800000 OR etd > 7258118399999;

-- The records from `from_seq` on are linked by a keyed MAC (HMAC-SHA-256 under a key kept
-- outside the database); those before it by plain SHA-256, as they were written.
CREATE TABLE audit_keyed (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    from_seq BIGINT NOT NULL
);
INSERT INTO audit_keyed (id, from_seq) SELECT 1, seq + 1 FROM audit_head;
