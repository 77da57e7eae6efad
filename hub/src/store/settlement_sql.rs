// Settlement storage, written once for both backends: `sqlite.rs` and `postgres.rs` include
// it in a `settlement_sql` module inside their `shared` module (so `super::` is the module
// of `shared_impl.rs`: `ThisStore`, `Db`, `lock_counter`). What it decides is
// `release_rules::settlement`'s; see `settlement.rs` for the public side.

use release_rules::RuleSet;
use release_rules::settlement::{
    Attestation, Change, Electorate, Membership, MembershipChange, Proposal, PublicKey, Tally,
    tally,
};
use serde_json::Value;
use sqlx::Row;
use taxii::store::StoreError;

use super::{Db, ThisStore, lock_counter};
use crate::audit::record::{Actor, AuditEntry, AuditKind, Decision, RulesetRef, Sha256, Target};
use crate::store::settlement::AuditAppend;
use crate::store::settlement::{
    EffectView, FollowUp, KeyView, ProposalView, instant, invalid, key_ring, kind_of,
    member_status, members_json, membership_of, micros, outcome_of, restoration, skew, stamp,
};
use crate::store::{StoreAdminError, store_error};

type Conn = <Db as sqlx::Database>::Connection;
type KeyRow = (String, String, i64, Option<i64>);

/// Settlement's one call into the audit chain (`store/audit.rs`): its records — proposal,
/// attestation, settlement, membership — appended in the transaction that stores what they
/// record. `actor` is the partner whose signed statement it is (the proposer for a
/// settlement), `via` who relayed it to the hub.
/// What a settlement audit record says: its kind, whose statement, relayed by whom, with
/// which decision.
struct Said<'a> {
    kind: AuditKind,
    actor: &'a str,
    via: Option<&'a str>,
    decision: Option<&'a str>,
}

async fn audit_append(
    conn: &mut Conn,
    now: i64,
    said: Said<'_>,
    p: &Proposal,
    id: i64,
    detail: Value,
) -> Result<(), StoreError> {
    let Said {
        kind,
        actor,
        via,
        decision,
    } = said;
    let ruleset = match p.change() {
        Change::RuleSet(next) => RulesetRef {
            digest: Sha256::parse(next.digest()).ok(),
            id: next.id.clone(),
            version: next.version,
        },
        Change::Membership(_) => RulesetRef {
            digest: Sha256::parse(&p.base().digest).ok(),
            id: p.ruleset_id().to_owned(),
            version: p.base().version,
        },
    };
    let subject = match p.change() {
        Change::Membership(m) => Some(m.subject().to_owned()),
        Change::RuleSet(_) => None,
    };
    let mut entry = AuditEntry::new(kind);
    entry.actor = Some(Actor {
        auth: via.map(|v| {
            if v == "cli" {
                "cli".to_owned()
            } else {
                "token".to_owned()
            }
        }),
        credential: via
            .and_then(|v| v.split_once('/'))
            .map(|(_, c)| c.to_owned()),
        partner: actor.to_owned(),
        role: None,
    });
    entry.ruleset = Some(ruleset);
    entry.target = Some(Target {
        partner: subject,
        proposal: u64::try_from(id).ok(),
        ..Target::default()
    });
    entry.decision = decision.map(|effect| Decision {
        effect: effect.to_owned(),
        label_ids: Vec::new(),
        rule_ids: Vec::new(),
    });
    entry.detail = detail.as_object().cloned();
    <Db as AuditAppend>::append_audit(conn, now, vec![entry]).await
}

/// `sha256:<hex>` of the record's RFC 8785 bytes: what the audit chain binds.
fn record_digest(record: &Value) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(stix_model::canonical::to_canonical_bytes(record));
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

async fn all_keys(conn: &mut Conn) -> Result<Vec<KeyRow>, StoreError> {
    sqlx::query_as(
        "SELECT partner_id, public_key, valid_from, valid_until FROM settlement_keys \
         ORDER BY valid_from, public_key",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)
}

/// The genesis membership (epoch 0), taken from the hub's partners the first time settlement
/// needs one.
async fn ensure_epoch(conn: &mut Conn, now: i64) -> Result<(), StoreAdminError> {
    let any: Option<i64> = sqlx::query_scalar("SELECT epoch FROM settlement_epochs LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    if any.is_some() {
        return Ok(());
    }
    let partners: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, role, status FROM partners ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
    let mut m = Membership::new(0);
    for (id, role, status) in &partners {
        m.insert(id, role, member_status(status)).map_err(invalid)?;
    }
    sqlx::query(
        "INSERT INTO settlement_epochs (epoch, members, started, proposal) \
         VALUES (0, $1, $2, NULL) ON CONFLICT (epoch) DO NOTHING",
    )
    .bind(members_json(&m))
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// The membership of `epoch` (the latest when `None`), with the key ring as it is now.
async fn membership(conn: &mut Conn, epoch: Option<i64>) -> Result<Membership, StoreAdminError> {
    let row: Option<(i64, String)> = match epoch {
        Some(e) => sqlx::query_as("SELECT epoch, members FROM settlement_epochs WHERE epoch = $1")
            .bind(e)
            .fetch_optional(&mut *conn)
            .await
            .map_err(store_error)?,
        None => sqlx::query_as(
            "SELECT epoch, members FROM settlement_epochs ORDER BY epoch DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?,
    };
    let (epoch, members) = row.ok_or_else(|| {
        StoreAdminError::NotFound(format!("membership epoch {}", epoch.unwrap_or(0)))
    })?;
    let keys = all_keys(conn).await?;
    membership_of(epoch, &members, &keys)
}

fn rule_set_of(document: &str) -> Result<RuleSet, StoreAdminError> {
    let value: Value = serde_json::from_str(document).map_err(invalid)?;
    RuleSet::from_value(value).map_err(invalid)
}

/// The rule set in force: the latest version loaded and not superseded.
async fn in_force(conn: &mut Conn) -> Result<RuleSet, StoreAdminError> {
    let document: String = sqlx::query_scalar(
        "SELECT document FROM rule_sets WHERE superseded IS NULL ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?
    .ok_or_else(|| StoreAdminError::NotFound("rule set in force".to_owned()))?;
    rule_set_of(&document)
}

async fn rule_set_at(conn: &mut Conn, version: u64) -> Result<RuleSet, StoreAdminError> {
    let document: String = sqlx::query_scalar("SELECT document FROM rule_sets WHERE version = $1")
        .bind(i64::try_from(version).unwrap_or(i64::MAX))
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?
        .ok_or_else(|| StoreAdminError::NotFound(format!("rule set version {version}")))?;
    rule_set_of(&document)
}

/// A stored proposal.
struct Stored {
    id: i64,
    digest: String,
    kind: String,
    by: String,
    made_at: i64,
    deadline: i64,
    document: Value,
    proposer_jws: String,
    proposal: Proposal,
}

const PROPOSAL_COLUMNS: &str = "SELECT id, digest, kind, by_partner, made_at, deadline, document, \
     proposer_jws FROM settlement_proposals";

fn stored_of(row: &<Db as sqlx::Database>::Row) -> Result<Stored, StoreAdminError> {
    let text: String = row.try_get(6).map_err(store_error)?;
    let document: Value = serde_json::from_str(&text).map_err(invalid)?;
    let proposal = Proposal::from_json(&document).map_err(invalid)?;
    Ok(Stored {
        id: row.try_get(0).map_err(store_error)?,
        digest: row.try_get(1).map_err(store_error)?,
        kind: row.try_get(2).map_err(store_error)?,
        by: row.try_get(3).map_err(store_error)?,
        made_at: row.try_get(4).map_err(store_error)?,
        deadline: row.try_get(5).map_err(store_error)?,
        document,
        proposer_jws: row.try_get(7).map_err(store_error)?,
        proposal,
    })
}

async fn stored(conn: &mut Conn, id: i64) -> Result<Stored, StoreAdminError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PROPOSAL_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?
    .ok_or_else(|| StoreAdminError::NotFound(format!("proposal {id}")))?;
    stored_of(&row)
}

/// The electorate fixed when the proposal was made: the base rule set's quorum and the
/// membership of the epoch it names.
async fn electorate_of(conn: &mut Conn, p: &Proposal) -> Result<Electorate, StoreAdminError> {
    let base = rule_set_at(conn, p.base().version).await?;
    let then = membership(conn, Some(i64::try_from(p.membership_epoch()).unwrap_or(0))).await?;
    Electorate::for_proposal(p, &base, &then).map_err(invalid)
}

async fn attestations_of(conn: &mut Conn, id: i64) -> Result<Vec<Attestation>, StoreAdminError> {
    let docs: Vec<String> = sqlx::query_scalar(
        "SELECT document FROM settlement_attestations WHERE proposal_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    docs.iter()
        .map(|d| serde_json::from_str(d).map_err(invalid))
        .collect()
}

/// The tally of a stored proposal at `now`, keys as they are now.
async fn tally_of(conn: &mut Conn, s: &Stored, now: i64) -> Result<Tally, StoreAdminError> {
    let electorate = electorate_of(conn, &s.proposal).await?;
    let keys = key_ring(&all_keys(conn).await?)?;
    let attestations = attestations_of(conn, s.id).await?;
    tally(&s.proposal, &electorate, &keys, &attestations, instant(now)).map_err(invalid)
}

async fn record_of(conn: &mut Conn, id: i64) -> Result<Option<(String, Value)>, StoreAdminError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT outcome, record FROM settlement_records WHERE proposal_id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(store_error)?;
    row.map(|(o, r)| Ok((o, serde_json::from_str(&r).map_err(invalid)?)))
        .transpose()
}

async fn effects_of(conn: &mut Conn, id: i64) -> Result<Vec<EffectView>, StoreAdminError> {
    let rows: Vec<(String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT kind, version, at FROM settlement_effects WHERE proposal_id = $1 ORDER BY at, kind",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(rows
        .into_iter()
        .map(|(kind, version, at)| EffectView {
            kind,
            version,
            at: stamp(at),
        })
        .collect())
}

async fn has_effect(conn: &mut Conn, id: i64, kind: &str) -> Result<bool, StoreAdminError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT proposal_id FROM settlement_effects WHERE proposal_id = $1 AND kind = $2",
    )
    .bind(id)
    .bind(kind.to_owned())
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(found.is_some())
}

/// Closes `s` when its tally (or a settled successor) decides it; a settled membership change
/// opens the next epoch with its keys, in the same transaction. Returns the tally.
async fn close_if_due(conn: &mut Conn, s: &Stored, now: i64) -> Result<Tally, StoreAdminError> {
    let t = tally_of(conn, s, now).await?;
    let mut record = t.to_json();
    let mut outcome = outcome_of(&t);
    if let Change::RuleSet(next) = s.proposal.change() {
        let current = in_force(conn).await?;
        let provisional_self = current.version == next.version && current.digest() == next.digest();
        if outcome == "pending" && s.proposal.superseded_by(&current) && !provisional_self {
            outcome = "superseded";
            if let Some(map) = record.as_object_mut() {
                map.insert("outcome".into(), Value::from("superseded"));
                map.insert(
                    "superseded_by".into(),
                    serde_json::json!({"version": current.version, "digest": current.digest()}),
                );
            }
        }
    }
    if outcome == "pending" {
        return Ok(t);
    }
    if let (Change::Membership(change), "settled", Some(at)) =
        (s.proposal.change(), outcome, t.effective_from)
    {
        if let Err(e) = apply_epoch(conn, s.id, change, at).await {
            // Settled, yet no longer applicable to the membership now (another change
            // settled first): the record says so and nothing is applied.
            if let Some(map) = record.as_object_mut() {
                map.insert("not_applied".into(), Value::from(e.to_string()));
            }
        }
    }
    sqlx::query(
        "INSERT INTO settlement_records (proposal_id, outcome, record, closed, effective_from) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(s.id)
    .bind(outcome)
    .bind(record.to_string())
    .bind(now)
    .bind(t.effective_from.map(micros))
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    let detail = serde_json::json!({
        "proposal_digest": s.digest,
        "kind": s.kind,
        "membership_epoch": t.membership_epoch,
        "weight_for": t.weight_for,
        "weight_against": t.weight_against,
        "not_heard": t.not_heard,
        "effective_from": t.effective_from.map(|at| stamp(micros(at))),
        "record_digest": record_digest(&record),
    });
    audit_append(
        conn,
        now,
        Said {
            kind: AuditKind::Settlement,
            actor: &s.by,
            via: None,
            decision: Some(outcome),
        },
        &s.proposal,
        s.id,
        detail,
    )
    .await?;
    if let (Change::Membership(change), "settled", None) =
        (s.proposal.change(), outcome, record.get("not_applied"))
    {
        let detail = serde_json::json!({"change": change, "proposal_digest": s.digest});
        audit_append(
            conn,
            now,
            Said {
                kind: AuditKind::Membership,
                actor: &s.by,
                via: None,
                decision: Some(kind_of(&s.proposal)),
            },
            &s.proposal,
            s.id,
            detail,
        )
        .await?;
    }
    Ok(t)
}

/// The next membership epoch after a settled change, and its keys.
async fn apply_epoch(
    conn: &mut Conn,
    id: i64,
    change: &MembershipChange,
    at: stix_model::timestamp::Instant,
) -> Result<(), StoreAdminError> {
    let now_m = membership(conn, None).await?;
    let next = now_m.apply(change, at).map_err(invalid)?;
    let at_us = micros(at);
    sqlx::query(
        "INSERT INTO settlement_epochs (epoch, members, started, proposal) VALUES ($1, $2, $3, $4)",
    )
    .bind(i64::try_from(next.epoch).unwrap_or(i64::MAX))
    .bind(members_json(&next))
    .bind(at_us)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    let source = format!("proposal:{id}");
    let (add, retire): (&[PublicKey], &[PublicKey]) = match change {
        MembershipChange::Join { keys, .. } => (keys, &[]),
        MembershipChange::KeyRotation { add, retire, .. } => (add, retire),
        _ => (&[], &[]),
    };
    if matches!(change, MembershipChange::Departure { .. }) {
        sqlx::query(
            "UPDATE settlement_keys SET valid_until = $1 \
             WHERE partner_id = $2 AND valid_until IS NULL",
        )
        .bind(at_us)
        .bind(change.subject().to_owned())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    for k in retire {
        sqlx::query("UPDATE settlement_keys SET valid_until = $1 WHERE public_key = $2")
            .bind(at_us)
            .bind(k.to_string())
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
    }
    for k in add {
        sqlx::query(
            "INSERT INTO settlement_keys (public_key, partner_id, valid_from, valid_until, \
             source) VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(k.to_string())
        .bind(change.subject().to_owned())
        .bind(at_us)
        .bind(source.clone())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

fn view_of(
    s: &Stored,
    outcome: &str,
    closed: bool,
    record: Value,
    effects: Vec<EffectView>,
) -> ProposalView {
    ProposalView {
        id: s.id,
        digest: s.digest.clone(),
        kind: s.kind.clone(),
        by: s.by.clone(),
        made_at: stamp(s.made_at),
        deadline: stamp(s.deadline),
        outcome: outcome.to_owned(),
        closed,
        proposal: s.document.clone(),
        proposer_jws: s.proposer_jws.clone(),
        record,
        effects,
    }
}

impl ThisStore {
    pub(crate) async fn settle_register_key(
        &self,
        partner: &str,
        key: &PublicKey,
        now: i64,
    ) -> Result<(), StoreAdminError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
            .bind(partner.to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        if exists.is_none() {
            return Err(StoreAdminError::NotFound(format!("partner {partner}")));
        }
        let owner: Option<String> =
            sqlx::query_scalar("SELECT partner_id FROM settlement_keys WHERE public_key = $1")
                .bind(key.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if let Some(owner) = owner {
            return Err(StoreAdminError::AlreadyExists(format!(
                "key {key} (registered to {owner})"
            )));
        }
        let current: Option<String> = sqlx::query_scalar(
            "SELECT public_key FROM settlement_keys WHERE partner_id = $1 AND valid_until IS NULL",
        )
        .bind(partner.to_owned())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        if let Some(current) = current {
            return Err(StoreAdminError::Invalid(format!(
                "{partner} already has key {current}: a partner's keys change by a settled key \
                 rotation (accord partner propose rotate-key)"
            )));
        }
        sqlx::query(
            "INSERT INTO settlement_keys (public_key, partner_id, valid_from, valid_until, source) \
             VALUES ($1, $2, $3, NULL, 'operator')",
        )
        .bind(key.to_string())
        .bind(partner.to_owned())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    pub(crate) async fn settle_keys(
        &self,
        partner: Option<&str>,
    ) -> Result<Vec<KeyView>, StoreAdminError> {
        let rows: Vec<(String, String, i64, Option<i64>, String)> = sqlx::query_as(
            "SELECT partner_id, public_key, valid_from, valid_until, source FROM settlement_keys \
             WHERE $1 IS NULL OR partner_id = $1 ORDER BY partner_id, valid_from, public_key",
        )
        .bind(partner.map(str::to_owned))
        .fetch_all(self.read_pool())
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(partner, key, from, until, source)| KeyView {
                partner,
                key,
                valid_from: stamp(from),
                valid_until: until.map(stamp),
                source,
            })
            .collect())
    }

    pub(crate) async fn settle_base(
        &self,
        now: i64,
    ) -> Result<(RuleSet, Membership), StoreAdminError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        ensure_epoch(&mut tx, now).await?;
        let rules = in_force(&mut tx).await?;
        let m = membership(&mut tx, None).await?;
        tx.commit().await.map_err(store_error)?;
        Ok((rules, m))
    }

    pub(crate) async fn settle_propose(
        &self,
        document: &Value,
        signature: &str,
        from: &str,
        now: i64,
    ) -> Result<i64, StoreAdminError> {
        let p = Proposal::from_json(document).map_err(invalid)?;
        let gap = (micros(p.at()) - now).abs();
        if gap > crate::store::settlement::SKEW_SECONDS * 1_000_000 {
            return Err(StoreAdminError::Invalid(format!(
                "proposal made at {} but received at {}: more than {} apart",
                stamp(micros(p.at())),
                stamp(now),
                skew()
            )));
        }
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        ensure_epoch(&mut tx, now).await?;
        let rules = in_force(&mut tx).await?;
        let m = membership(&mut tx, None).await?;
        let electorate = Electorate::for_proposal(&p, &rules, &m).map_err(invalid)?;
        p.verify_proposer(signature, &m.keys).map_err(invalid)?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM settlement_proposals WHERE digest = $1")
                .bind(p.digest().to_owned())
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if let Some(n) = taken {
            return Err(StoreAdminError::AlreadyExists(format!("proposal {n}")));
        }
        let electorate_json = serde_json::to_string(&electorate).map_err(invalid)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO settlement_proposals (digest, kind, ruleset_id, base_version, \
             membership_epoch, by_partner, made_at, deadline, statement, document, proposer_jws, \
             electorate, received, received_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(p.digest().to_owned())
        .bind(kind_of(&p))
        .bind(p.ruleset_id().to_owned())
        .bind(i64::try_from(p.base().version).unwrap_or(i64::MAX))
        .bind(i64::try_from(p.membership_epoch()).unwrap_or(i64::MAX))
        .bind(p.by().to_owned())
        .bind(micros(p.at()))
        .bind(micros(electorate.deadline))
        .bind(String::from_utf8_lossy(&p.canonical_bytes()).into_owned())
        .bind(document.to_string())
        .bind(signature.to_owned())
        .bind(electorate_json)
        .bind(now)
        .bind(from.to_owned())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let detail = serde_json::json!({
            "proposal_digest": p.digest(),
            "kind": kind_of(&p),
            "membership_epoch": p.membership_epoch(),
            "deadline": stamp(micros(electorate.deadline)),
            "jws": signature,
        });
        audit_append(
            &mut tx,
            now,
            Said {
                kind: AuditKind::Proposal,
                actor: p.by(),
                via: Some(from),
                decision: None,
            },
            &p,
            id,
            detail,
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    pub(crate) async fn settle_attest(
        &self,
        id: i64,
        a: &Attestation,
        from: &str,
        now: i64,
    ) -> Result<(), StoreAdminError> {
        a.check_received(instant(now), skew()).map_err(invalid)?;
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        let s = stored(&mut tx, id).await?;
        if let Some((outcome, _)) = record_of(&mut tx, id).await? {
            return Err(StoreAdminError::Invalid(format!(
                "proposal {id} is closed: {outcome}"
            )));
        }
        let electorate = electorate_of(&mut tx, &s.proposal).await?;
        if electorate.voter(&a.partner).is_none() {
            return Err(StoreAdminError::Invalid(format!(
                "attestation by {}: not in the electorate of proposal {id}",
                a.partner
            )));
        }
        if a.at < s.proposal.at() || a.at >= electorate.deadline {
            return Err(StoreAdminError::Invalid(format!(
                "attestation by {}: made outside the voting window of proposal {id} ({} to {})",
                a.partner,
                stamp(s.made_at),
                stamp(s.deadline)
            )));
        }
        let keys = key_ring(&all_keys(&mut tx).await?)?;
        let proposed: &[PublicKey] = match s.proposal.change() {
            Change::Membership(MembershipChange::KeyRotation { partner, add, .. })
                if *partner == a.partner =>
            {
                add
            }
            _ => &[],
        };
        a.verify(&s.proposal, &keys, proposed).map_err(invalid)?;
        let document = serde_json::to_value(a).map_err(invalid)?;
        sqlx::query(
            "INSERT INTO settlement_attestations (proposal_id, partner_id, made_at, document, \
             received, received_from) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(a.partner.clone())
        .bind(micros(a.at))
        .bind(document.to_string())
        .bind(now)
        .bind(from.to_owned())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let detail = serde_json::json!({
            "proposal_digest": s.digest,
            "at": stamp(micros(a.at)),
            "reason_digest": a.reason_digest(),
            "jws": a.jws,
        });
        audit_append(
            &mut tx,
            now,
            Said {
                kind: AuditKind::Attestation,
                actor: &a.partner,
                via: Some(from),
                decision: Some(a.vote.as_str()),
            },
            &s.proposal,
            id,
            detail,
        )
        .await?;
        close_if_due(&mut tx, &s, now).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    /// Closes every open proposal that is due and lists what the hub still owes.
    pub(crate) async fn settle_review(&self, now: i64) -> Result<Vec<FollowUp>, StoreAdminError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PROPOSAL_COLUMNS} ORDER BY id"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        let mut due = Vec::new();
        for row in &rows {
            let s = stored_of(row)?;
            let mut record = record_of(&mut tx, s.id).await?;
            let mut provisional_now = false;
            if record.is_none() {
                let t = close_if_due(&mut tx, &s, now).await?;
                provisional_now = t.in_effect_at(instant(now));
                record = record_of(&mut tx, s.id).await?;
            }
            let document = s.document.get("document").cloned();
            match (record, s.proposal.change(), document) {
                (None, Change::RuleSet(_), Some(doc)) => {
                    if provisional_now && !has_effect(&mut tx, s.id, "provisional").await? {
                        due.push(FollowUp::Provisional {
                            proposal: s.id,
                            document: doc,
                        });
                    }
                }
                (None, _, _) => {}
                (Some((outcome, record)), change, doc) => {
                    if record.get("not_applied").is_some() {
                        continue;
                    }
                    if outcome == "settled" {
                        if has_effect(&mut tx, s.id, "applied").await? {
                            continue;
                        }
                        match (change, doc) {
                            (Change::RuleSet(_), Some(document)) => {
                                due.push(FollowUp::ApplyRules {
                                    proposal: s.id,
                                    document,
                                });
                            }
                            (Change::Membership(change), _) => {
                                due.push(FollowUp::ApplyMembership {
                                    proposal: s.id,
                                    change: change.clone(),
                                });
                            }
                            (Change::RuleSet(_), None) => {}
                        }
                    } else if has_effect(&mut tx, s.id, "provisional").await?
                        && !has_effect(&mut tx, s.id, "restored").await?
                    {
                        let base = rule_set_at(&mut tx, s.proposal.base().version).await?;
                        let latest = in_force(&mut tx).await?;
                        due.push(FollowUp::Restore {
                            proposal: s.id,
                            base: restoration(&base, &latest),
                        });
                    }
                }
            }
        }
        tx.commit().await.map_err(store_error)?;
        Ok(due)
    }

    pub(crate) async fn settle_record_effect(
        &self,
        id: i64,
        kind: &str,
        version: Option<i64>,
        now: i64,
    ) -> Result<(), StoreAdminError> {
        sqlx::query(
            "INSERT INTO settlement_effects (proposal_id, kind, version, at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (proposal_id, kind) DO NOTHING",
        )
        .bind(id)
        .bind(kind.to_owned())
        .bind(version)
        .bind(now)
        .execute(self.write_pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// The digest of the loaded rule-set `version`, if it is loaded.
    pub(crate) async fn settle_rule_set_digest(
        &self,
        version: i64,
    ) -> Result<Option<String>, StoreAdminError> {
        let digest: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT digest FROM rule_sets WHERE version = $1")
                .bind(version)
                .fetch_optional(self.read_pool())
                .await
                .map_err(store_error)?;
        Ok(digest.map(|d| String::from_utf8_lossy(&d).into_owned()))
    }

    /// One proposal (or all, newest first) with its record, or its tally as of `now` while
    /// it is open.
    pub(crate) async fn settle_view(
        &self,
        id: Option<i64>,
        now: i64,
    ) -> Result<Vec<ProposalView>, StoreAdminError> {
        let mut conn = self.read_pool().acquire().await.map_err(store_error)?;
        let rows = match id {
            Some(id) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "{PROPOSAL_COLUMNS} WHERE id = $1"
            )))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?,
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "{PROPOSAL_COLUMNS} ORDER BY id DESC"
            )))
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?,
        };
        let mut views = Vec::new();
        for row in &rows {
            let s = stored_of(row)?;
            let effects = effects_of(&mut conn, s.id).await?;
            let view = match record_of(&mut conn, s.id).await? {
                Some((outcome, record)) => view_of(&s, &outcome, true, record, effects),
                None => {
                    let t = tally_of(&mut conn, &s, now).await?;
                    view_of(&s, outcome_of(&t), false, t.to_json(), effects)
                }
            };
            views.push(view);
        }
        Ok(views)
    }
}
