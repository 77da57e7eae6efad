-- Secrets of the hub that every process on this database shares: `cursor` seals TAXII `next`
-- cursors. Written once by the first process that needs one, never changed.
CREATE TABLE hub_keys (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
