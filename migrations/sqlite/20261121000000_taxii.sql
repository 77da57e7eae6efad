-- TAXII 2.1 storage: API roots, collections, partners and their credentials and access,
-- object versions, status resources. The PostgreSQL migration of the same name holds the same
-- logical schema.

CREATE TABLE api_roots (
    name               TEXT PRIMARY KEY,
    title              TEXT NOT NULL,
    description        TEXT,
    max_content_length INTEGER NOT NULL
);

-- `pk` is a compact surrogate key so that the object indexes stay small; `id` is the TAXII
-- collection id (a UUID, 16 bytes).
CREATE TABLE collections (
    pk          INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE,
    api_root    TEXT NOT NULL REFERENCES api_roots (name),
    alias       TEXT,
    title       TEXT NOT NULL,
    description TEXT,
    UNIQUE (api_root, alias)
);

CREATE TABLE partners (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created      INTEGER NOT NULL
);

-- Secrets are never stored: `digest` is the SHA-256 of the token.
CREATE TABLE credentials (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    kind       TEXT NOT NULL CHECK (kind IN ('token', 'mtls')),
    digest     BLOB NOT NULL UNIQUE,
    label      TEXT,
    created    INTEGER NOT NULL,
    revoked    INTEGER
);
CREATE INDEX credentials_partner ON credentials (partner_id);

CREATE TABLE collection_access (
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    collection_pk INTEGER NOT NULL REFERENCES collections (pk),
    can_read      INTEGER NOT NULL,
    can_write     INTEGER NOT NULL,
    PRIMARY KEY (partner_id, collection_pk)
);

-- One row per stored object version. `seq` (the rowid) and `date_added` (microseconds) both
-- grow in commit order; (date_added, seq) is the pagination key. `version_us`/`version_ns` are
-- the version instant (microseconds, plus the nanoseconds below them) used to order and match
-- versions; objects with neither `modified` nor `created` take their date added. `is_first` /
-- `is_last` mark the first and last version of each (collection, object id) so that
-- `match[version]=first|last` are index predicates. No foreign key to collections: it would
-- cost a lookup per ingested row, and collections are never deleted.
CREATE TABLE objects (
    seq           INTEGER PRIMARY KEY,
    collection_pk INTEGER NOT NULL,
    object_id     TEXT NOT NULL,
    type_name     TEXT NOT NULL,
    version_us    INTEGER NOT NULL,
    version_ns    INTEGER NOT NULL,
    version_text  TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    date_added    INTEGER NOT NULL,
    raw           TEXT NOT NULL,
    content_hash  BLOB NOT NULL,
    is_first      INTEGER NOT NULL,
    is_last       INTEGER NOT NULL
);
CREATE UNIQUE INDEX objects_version ON objects (collection_pk, object_id, version_us, version_ns);
CREATE INDEX objects_last ON objects (collection_pk, is_last, date_added, seq);
CREATE INDEX objects_added ON objects (collection_pk, date_added, seq);

-- A status resource with its details (successes, failures, pendings) as one JSON document:
-- they are only ever read whole. `submitter` is the partner that posted the envelope, the only
-- one that may read it.
CREATE TABLE statuses (
    id                BLOB PRIMARY KEY,
    api_root          TEXT NOT NULL,
    submitter         TEXT NOT NULL,
    status            TEXT NOT NULL,
    request_timestamp INTEGER NOT NULL,
    total_count       INTEGER NOT NULL,
    success_count     INTEGER NOT NULL,
    failure_count     INTEGER NOT NULL,
    pending_count     INTEGER NOT NULL,
    details           TEXT NOT NULL
);

-- The last date added and sequence number handed out. Every writing transaction locks this
-- row first, so date added and seq are strictly increasing in commit order.
CREATE TABLE store_counter (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_date_added INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL
);
INSERT INTO store_counter (id, last_date_added, last_seq) VALUES (1, 0, 0);
