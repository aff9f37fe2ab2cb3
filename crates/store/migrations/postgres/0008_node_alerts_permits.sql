-- Alerts handled and permit movements recorded at a node go up with its crossings; the pairs
-- dismissed anywhere and the post's permits come down (docs/sync.md).

-- Where a record came from when another server made it: "CODE:id" for a node's record at
-- headquarters, "hq:id" for headquarters' dismissal at a node. One sent twice is kept once.
ALTER TABLE alerts ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX alerts_by_origin ON alerts (origin);
ALTER TABLE permit_movements ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX permit_movements_by_origin ON permit_movements (origin);

-- What headquarters reads for a node's pull: dismissals and the post's permits, by the time
-- they changed.
CREATE INDEX alerts_dismissed ON alerts (decided_at) WHERE status = 'dismissed';
CREATE INDEX permits_by_revocation ON permits (checkpoint, revoked_at);

-- At a node: how far the dismissals and the post's permits have come down (milliseconds of
-- headquarters' time; read again from a minute before, as commits may land out of order).
ALTER TABLE node_self ADD COLUMN dismissed_as_of BIGINT NOT NULL DEFAULT 0;
ALTER TABLE node_self ADD COLUMN permits_as_of BIGINT NOT NULL DEFAULT 0;

-- An alert an officer of the node handled goes up; one closed by headquarters' word does not.
CREATE FUNCTION outbox_alert() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'open' AND NEW.status <> 'open' AND NEW.origin IS NULL
        AND EXISTS (SELECT 1 FROM node_self) THEN
        INSERT INTO outbox (kind, record_id) VALUES ('alert', NEW.id::TEXT);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_alert AFTER UPDATE OF status ON alerts
    FOR EACH ROW EXECUTE FUNCTION outbox_alert();

CREATE FUNCTION outbox_movement() RETURNS trigger AS $$
BEGIN
    IF NEW.origin IS NULL AND EXISTS (SELECT 1 FROM node_self) THEN
        INSERT INTO outbox (kind, record_id) VALUES ('movement', NEW.id::TEXT);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_movement AFTER INSERT ON permit_movements
    FOR EACH ROW EXECUTE FUNCTION outbox_movement();
