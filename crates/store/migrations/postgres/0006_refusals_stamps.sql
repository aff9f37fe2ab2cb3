-- A traveller refused at the desk did not cross: the refusal is kept and shown, but it is not a
-- movement, so the entry/exit sequence and the counts of crossings pass over it.
ALTER TABLE crossings ADD COLUMN outcome TEXT NOT NULL DEFAULT 'crossed';

-- A border pass is stamped at most once every ten days: the crossing at which the officer
-- stamped it says so, and the pass's last stamp is read from its crossings.
ALTER TABLE crossings ADD COLUMN stamped BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX crossings_stamped ON crossings (traveller_id, at) WHERE stamped;

-- The nation's crossings of a day, counted for the board.
CREATE INDEX crossings_by_time ON crossings (at);

-- A document number looked up without its issuing state.
CREATE INDEX travellers_by_number ON travellers (number);

-- Why an officer confirmed or dismissed an alert, in their words.
ALTER TABLE alerts ADD COLUMN note TEXT;

-- The audit page searches by who acted and by action, newest first.
CREATE INDEX audit_by_actor ON audit (actor, seq);
CREATE INDEX audit_by_action ON audit (action, seq);
