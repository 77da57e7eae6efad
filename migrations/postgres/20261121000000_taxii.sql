-- TAXII 2.1 storage: API roots, collections, partners and their credentials and access,
-- object versions, status resources. The SQLite migration of the same name holds the same
-- logical schema.

CREATE TABLE api_roots (
    name               TEXT PRIMARY KEY,
    title              TEXT NOT NULL,
    description        TEXT,
    max_content_length BIGINT NOT NULL
);

-- `pk` is a compact surrogate key so that the object indexes stay small; `id` is the TAXII
-- collection id.
CREATE TABLE collections (
    pk          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
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
    created      BIGINT NOT NULL
);

-- Secrets are never stored: `digest` is the SHA-256 of the token.
CREATE TABLE credentials (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    kind       TEXT NOT NULL CHECK (kind IN ('token', 'mtls')),
    digest     BYTEA NOT NULL UNIQUE,
    label      TEXT,
    created    BIGINT NOT NULL,
    revoked    BIGINT
);
CREATE INDEX credentials_partner ON credentials (partner_id);

CREATE TABLE collection_access (
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    collection_pk BIGINT NOT NULL REFERENCES collections (pk),
    can_read      BOOLEAN NOT NULL,
    can_write     BOOLEAN NOT NULL,
    PRIMARY KEY (partner_id, collection_pk)
);

-- One row per stored object version. `seq` and `date_added` (microseconds) both grow in
-- commit order; (date_added, seq) is the pagination key. `version_us`/`version_ns` are the
-- version instant (microseconds, plus the nanoseconds below them) used to order and match
-- versions; objects with neither `modified` nor `created` take their date added. `is_first` /
-- `is_last` mark the first and last version of each (collection, object id) so that
-- `match[version]=first|last` are index predicates. `raw` is TEXT, not JSONB: objects are
-- relayed byte for byte. No foreign key to collections: it would cost a trigger per ingested
-- row, and collections are never deleted.
CREATE TABLE objects (
    seq           BIGINT PRIMARY KEY,
    collection_pk BIGINT NOT NULL,
    object_id     TEXT NOT NULL,
    type_name     TEXT NOT NULL,
    version_us    BIGINT NOT NULL,
    version_ns    INTEGER NOT NULL,
    version_text  TEXT NOT NULL,
    spec_version  TEXT NOT NULL,
    date_added    BIGINT NOT NULL,
    raw           TEXT NOT NULL,
    content_hash  BYTEA NOT NULL,
    is_first      BOOLEAN NOT NULL,
    is_last       BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX objects_version ON objects (collection_pk, object_id, version_us, version_ns);
CREATE INDEX objects_last ON objects (collection_pk, is_last, date_added, seq);
CREATE INDEX objects_added ON objects (collection_pk, date_added, seq);

-- A status resource with its details (successes, failures, pendings) as one JSON document:
-- they are only ever read whole. `submitter` is the partner that posted the envelope, the only
-- one that may read it.
CREATE TABLE statuses (
    id                UUID PRIMARY KEY,
    api_root          TEXT NOT NULL,
    submitter         TEXT NOT NULL,
    status            TEXT NOT NULL,
    request_timestamp BIGINT NOT NULL,
    total_count       BIGINT NOT NULL,
    success_count     BIGINT NOT NULL,
    failure_count     BIGINT NOT NULL,
    pending_count     BIGINT NOT NULL,
    details           TEXT NOT NULL
);

-- The last date added and sequence number handed out. Every writing transaction locks this
-- row first (SELECT … FOR UPDATE), so date added and seq are strictly increasing in commit
-- order, across every `accord serve` process sharing the database.
CREATE TABLE store_counter (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_date_added BIGINT NOT NULL,
    last_seq        BIGINT NOT NULL
);
INSERT INTO store_counter (id, last_date_added, last_seq) VALUES (1, 0, 0);
