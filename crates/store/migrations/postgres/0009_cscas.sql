-- The Country Signing CAs e-passports are checked under (ICAO Doc 9303-12), imported at
-- headquarters from master lists or certificates, each once by the SHA-256 of its DER.
CREATE TABLE cscas (
    fingerprint TEXT PRIMARY KEY,
    der BYTEA NOT NULL,
    country TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    source TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX cscas_by_country ON cscas (country, not_after);
CREATE INDEX cscas_by_addition ON cscas (added_at);

-- At a node: the CSCAs brought down from headquarters, up to this time of headquarters'.
ALTER TABLE node_self ADD COLUMN cscas_as_of BIGINT NOT NULL DEFAULT 0;
