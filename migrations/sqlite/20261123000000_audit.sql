-- The audit chain (issue 5, release-rules note §7.6): the records in log order, the signed
-- checkpoints, and the head row every append locks, so that writers in any number of
-- processes extend one chain and never fork it. The PostgreSQL migration of the same name
-- holds the same logical schema.

-- `seq` is the record's leaf index in the Merkle tree (from 0); `body` its canonical
-- (RFC 8785) JSON, exactly the bytes that are hashed and exported; `leaf_hash` is
-- SHA-256(0x00 ‖ body), kept for proofs and checked by `accord audit verify`. `time`, `kind`,
-- `partner` and `object_id` repeat what the body says so that records can be found without
-- parsing every body.
CREATE TABLE audit_records (
    seq       INTEGER PRIMARY KEY,
    time      INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    partner   TEXT,
    object_id TEXT,
    body      TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
);
CREATE INDEX audit_records_partner ON audit_records (partner, seq);
CREATE INDEX audit_records_object ON audit_records (object_id, seq);

-- C2SP signed notes of (origin, tree size, root hash), one per size.
CREATE TABLE audit_checkpoints (
    tree_size INTEGER PRIMARY KEY,
    root_hash BLOB NOT NULL,
    signed_at INTEGER NOT NULL,
    note      TEXT NOT NULL
);

-- The log's identity (`origin`, random per database), its size, the last record's hash (the
-- next record's `prev`), the tree's frontier (the roots of its complete subtrees, 32 bytes
-- each, largest first) and when it was last checkpointed.
CREATE TABLE audit_head (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    origin          TEXT NOT NULL,
    tree_size       INTEGER NOT NULL,
    last_hash       BLOB NOT NULL,
    frontier        BLOB NOT NULL,
    checkpoint_size INTEGER NOT NULL,
    checkpoint_at   INTEGER NOT NULL
);
INSERT INTO audit_head (id, origin, tree_size, last_hash, frontier, checkpoint_size, checkpoint_at)
VALUES (1, 'accord.audit/' || lower(hex(randomblob(16))), 0, zeroblob(32), x'', 0, 0);
