-- Release labels, partner attributes, rule sets and partner-scoped fan-out. The PostgreSQL
-- migration of the same name holds the same logical schema.
--
-- Visibility model: every object version is either *shared* (`objects.shared`: every audience
-- class sees it, with the version's own date added and first/last flags) or *split* (one row
-- in `object_views` per audience class that may see it, with that audience's own date added
-- and first/last flags). Shared versions cost nothing beyond the objects row; a reader merges
-- the shared stream with its own audience's rows, each a keyset scan in date-added order.
-- A split object that every audience of one set sees exactly as stored (same date added and
-- first/last flags, no embargo: the common case of a label released to some audiences) is
-- *set-shared* instead: `objects.audience_set` names the interned set and it has no view
-- rows; a reader merges one more keyset scan per set it belongs to. Every version of one
-- object is in the same mode.

-- Partner attributes (nation, organisations, communities, clearances, caveats), as the JSON
-- document release-rules reads; the role stays in `partners`. No row: default attributes.
CREATE TABLE partner_attributes (
    partner_id TEXT PRIMARY KEY REFERENCES partners (id),
    document   TEXT NOT NULL,
    updated    INTEGER NOT NULL
);

-- Security policies (SPIF subset), as loaded.
CREATE TABLE policies (
    id       TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    digest   BLOB NOT NULL,
    loaded   INTEGER NOT NULL
);

-- Rule-set versions. The one in force is the latest `applied` (every view recomputed under
-- it); a later version not yet applied is pending: new objects are indexed under it too, and
-- reads re-check against it, but it widens nothing before it is applied.
CREATE TABLE rule_sets (
    version    INTEGER PRIMARY KEY,
    document   TEXT NOT NULL,
    digest     BLOB NOT NULL,
    loaded     INTEGER NOT NULL,
    applied    INTEGER,
    superseded INTEGER
);

-- Interned labels: `digest` is the label id (SHA-256 of its canonical JSON).
CREATE TABLE labels (
    pk       INTEGER PRIMARY KEY,
    digest   BLOB NOT NULL UNIQUE,
    document TEXT NOT NULL
);

-- Audience classes: partners whose subjects a rule-set version cannot tell apart share one
-- (suspended partners have none). `ready`: its view covers every stored object, so its
-- readers may use it.
CREATE TABLE audiences (
    -- AUTOINCREMENT: a removed class's pk is never handed out again (audience sets name pks).
    pk       INTEGER PRIMARY KEY AUTOINCREMENT,
    ruleset  INTEGER NOT NULL,
    digest   BLOB NOT NULL,
    document TEXT NOT NULL,
    ready    INTEGER NOT NULL,
    -- The class its partner had before the change that created this one: a version that
    -- class already had keeps its date added here (no re-delivery to pollers).
    predecessor INTEGER,
    UNIQUE (ruleset, digest)
);

-- Split versions: one row per audience that may see the version. `date_added` is that
-- audience's date added (max of the version's date added and its `visible_from`, or the time
-- it was released to the audience); `embargoed` rows are hidden until `date_added`. Two
-- indexes only, as an object released to 25 audiences writes 25 rows: reads of last versions
-- filter `is_last` along the primary key (most objects have one version).
CREATE TABLE object_views (
    audience_pk   INTEGER NOT NULL,
    collection_pk INTEGER NOT NULL,
    date_added    INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    is_first      INTEGER NOT NULL,
    is_last       INTEGER NOT NULL,
    embargoed     INTEGER NOT NULL,
    PRIMARY KEY (audience_pk, collection_pk, date_added, seq)
) WITHOUT ROWID;
CREATE INDEX object_views_seq ON object_views (seq, audience_pk);

-- Interned audience sets: `members` is the sorted, comma-separated list of audience pks. A set
-- never changes; `audience_set_members` finds the sets of a reader's audience.
CREATE TABLE audience_sets (
    pk      INTEGER PRIMARY KEY,
    members TEXT NOT NULL UNIQUE
);
CREATE TABLE audience_set_members (
    audience_pk INTEGER NOT NULL,
    set_pk      INTEGER NOT NULL,
    PRIMARY KEY (audience_pk, set_pk)
) WITHOUT ROWID;

-- What relationships, sightings and containers reference, for closure: a version whose
-- references are withheld from an audience is withheld from it too.
CREATE TABLE object_refs (
    collection_pk INTEGER NOT NULL,
    ref_id        TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (collection_pk, ref_id, seq)
) WITHOUT ROWID;
CREATE INDEX object_refs_seq ON object_refs (seq);

-- Background recomputation of views (STYLE.md §12): claimed by one worker at a time.
CREATE TABLE release_jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    progress   TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    run_after  INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_at INTEGER,
    last_error TEXT,
    created    INTEGER NOT NULL
);

-- Bumped by every change to rules, policies, partner attributes or audiences, so that every
-- process notices and reloads what it caches; with the mission id (`local` for the zero-config
-- hub) and the label of objects no marking places under a policy (JSON, NULL: none).
CREATE TABLE release_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    epoch         INTEGER NOT NULL,
    mission       TEXT,
    default_label TEXT
);
INSERT INTO release_state (id, epoch) VALUES (1, 1);

-- Per version: its interned label (NULL: stored before labels, read as unmarked), who
-- submitted it (the originator of this variant), whether it is shared, and its variant: a
-- partner that cannot see a stored version and posts another object under the same id and
-- version gets its own variant instead of a hint that the version exists.
ALTER TABLE objects ADD COLUMN label_pk INTEGER;
ALTER TABLE objects ADD COLUMN submitter TEXT;
ALTER TABLE objects ADD COLUMN shared INTEGER NOT NULL DEFAULT 1;
ALTER TABLE objects ADD COLUMN variant INTEGER NOT NULL DEFAULT 0;
-- 0, or the audience set of a set-shared version (then `shared` is false).
ALTER TABLE objects ADD COLUMN audience_set INTEGER NOT NULL DEFAULT 0;

DROP INDEX objects_version;
CREATE UNIQUE INDEX objects_version ON objects (collection_pk, object_id, version_us, version_ns, variant);
DROP INDEX objects_last;
DROP INDEX objects_added;
-- Each stream (shared: `shared` and set 0; a set: not shared and its set) is a keyset scan.
CREATE INDEX objects_shared_last ON objects (collection_pk, shared, audience_set, is_last, date_added, seq);
CREATE INDEX objects_shared_added ON objects (collection_pk, shared, audience_set, date_added, seq);
