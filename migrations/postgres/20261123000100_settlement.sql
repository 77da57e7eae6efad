-- Settlement by quorum (issue 5): partners' authority keys, membership epochs, proposals,
-- attestations and settlement records. The SQLite migration of the same name holds the same
-- logical schema. Times are microseconds since the Unix epoch.

-- Partners' Ed25519 public keys (`ed25519:<base64url>`, the JWS kid), each valid in
-- [valid_from, valid_until). A key names one partner forever: never reused, never deleted.
CREATE TABLE settlement_keys (
    public_key  TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL,
    valid_from  BIGINT NOT NULL,
    valid_until BIGINT,
    -- `operator` (first key registered by the hub operator) or `proposal:N`.
    source      TEXT NOT NULL
);
CREATE INDEX settlement_keys_partner ON settlement_keys (partner_id);

-- One row per membership epoch: its members (JSON list of {partner, role, status}) and the
-- settled proposal that opened it (NULL: the genesis, taken at the first proposal).
CREATE TABLE settlement_epochs (
    epoch    BIGINT PRIMARY KEY,
    members  TEXT NOT NULL,
    started  BIGINT NOT NULL,
    proposal BIGINT
);

-- Proposals, append-only. `document` is the proposal as release-rules writes it (the signed
-- statement, plus the proposed rule-set document), `statement` its RFC 8785 bytes as text,
-- `digest` their SHA-256; `electorate` is fixed when the proposal is made.
CREATE TABLE settlement_proposals (
    id               BIGSERIAL PRIMARY KEY,
    digest           TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    ruleset_id       TEXT NOT NULL,
    base_version     BIGINT NOT NULL,
    membership_epoch BIGINT NOT NULL,
    by_partner       TEXT NOT NULL,
    made_at          BIGINT NOT NULL,
    deadline         BIGINT NOT NULL,
    statement        TEXT NOT NULL,
    document         TEXT NOT NULL,
    proposer_jws     TEXT NOT NULL,
    electorate       TEXT NOT NULL,
    received         BIGINT NOT NULL,
    -- Who relayed it to the hub (partner and credential; `cli` for the admin command line).
    received_from    TEXT NOT NULL
);

-- Attestations, append-only: the attestation as signed (JSON with its detached JWS list).
CREATE TABLE settlement_attestations (
    id            BIGSERIAL PRIMARY KEY,
    proposal_id   BIGINT NOT NULL REFERENCES settlement_proposals (id),
    partner_id    TEXT NOT NULL,
    made_at       BIGINT NOT NULL,
    document      TEXT NOT NULL,
    received      BIGINT NOT NULL,
    received_from TEXT NOT NULL
);
CREATE INDEX settlement_attestations_proposal ON settlement_attestations (proposal_id, id);

-- The record of a closed proposal: settled, rejected, lapsed or superseded, with the full
-- tally (electorate, attestations, refused, not heard, weights). Written once.
CREATE TABLE settlement_records (
    proposal_id    BIGINT PRIMARY KEY REFERENCES settlement_proposals (id),
    outcome        TEXT NOT NULL
        CHECK (outcome IN ('settled', 'rejected', 'lapsed', 'superseded')),
    record         TEXT NOT NULL,
    closed         BIGINT NOT NULL,
    effective_from BIGINT
);

-- What a proposal did to the hub, append-only: `provisional` (a narrowing rule set loaded on
-- a provisional approval), `applied` (the settled change is in the hub's partners / rule
-- sets), `restored` (a provisional rule set undone: the base content loaded as `version`).
CREATE TABLE settlement_effects (
    proposal_id BIGINT NOT NULL REFERENCES settlement_proposals (id),
    kind        TEXT NOT NULL CHECK (kind IN ('provisional', 'applied', 'restored')),
    version     BIGINT,
    at          BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, kind)
);

CREATE FUNCTION settlement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER settlement_proposals_append_only BEFORE UPDATE OR DELETE ON settlement_proposals
    FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER settlement_attestations_append_only BEFORE UPDATE OR DELETE ON settlement_attestations
    FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
CREATE TRIGGER settlement_records_append_only BEFORE UPDATE OR DELETE ON settlement_records
    FOR EACH ROW EXECUTE FUNCTION settlement_append_only();
