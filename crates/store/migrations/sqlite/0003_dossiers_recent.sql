-- A checkpoint's dossiers, the latest changed first (the decided ones, the officers' "all" view).
CREATE INDEX dossiers_recent ON dossiers (checkpoint, updated_at, id);
