// The store, written once for both backends. This file is not a module of its own: `sqlite.rs`
// and `postgres.rs` each `include!` it inside a `shared` module that first imports `Db` (the
// sqlx database), `ThisStore` (the backend's store type, with `read_pool()`, `write_pool()`,
// `begin_write()`, `after_submit()` and `clock()`), `LOCK_COUNTER_SQL`, `OBJECTS_BY_ID` and
// `insert_rows`. Each copy is then compiled against concrete sqlx types, which keeps the SQL
// and the rules identical on both backends without generic trait bounds over sqlx internals.
//
// All SQL here is valid on both SQLite and PostgreSQL: `TRUE`/`FALSE` literals, row-free
// `IN` lists, `ON CONFLICT`, `RETURNING`. Values are always bound, never spliced.

use std::collections::{BTreeMap, HashMap};

use serde_json::value::RawValue;
use sqlx::{QueryBuilder, Row};
use taxii::ids::{ApiRootName, CollectionId, StatusId};
use taxii::query::{ObjectQuery, Position, VersionFilter};
use taxii::store::{
    Access, ApiRootRecord, AuthMethod, CollectionRecord, CredentialKind, ManifestRecord,
    ObjectRecord, Page, Principal, StatusDetail, StatusRecord, Store, StoreError, Submission,
};
use uuid::Uuid;

use crate::store::plan::{Placement, Planner, StoredVersion, VersionKey};
use crate::store::{
    CredentialRecord, DEFAULT_API_ROOT, DEFAULT_COLLECTION_ALIAS, DEFAULT_MAX_CONTENT_LENGTH,
    LOCAL_PARTNER, PartnerRecord, PartnerStatus, StatusDetails, StoreAdminError, check_partner_id,
    date_added, store_error,
};

/// Ids per `IN (…)` list when loading stored versions and clearing flags.
const ID_CHUNK: usize = 500;

type DbRow = <Db as sqlx::Database>::Row;

fn api_root_from_row(row: &DbRow) -> Result<ApiRootRecord, StoreError> {
    let name: String = row.try_get(0).map_err(store_error)?;
    let max_content_length: i64 = row.try_get(3).map_err(store_error)?;
    Ok(ApiRootRecord {
        name: parse_root_name(&name)?,
        title: row.try_get(1).map_err(store_error)?,
        description: row.try_get(2).map_err(store_error)?,
        max_content_length: u64::try_from(max_content_length).unwrap_or(0),
    })
}

fn parse_root_name(name: &str) -> Result<ApiRootName, StoreError> {
    ApiRootName::parse(name)
        .map_err(|_| StoreError::Backend(format!("stored API root name {name:?} is invalid")))
}

/// Columns: id, api_root, title, description, alias.
fn collection_from_row(row: &DbRow) -> Result<CollectionRecord, StoreError> {
    let id: Uuid = row.try_get(0).map_err(store_error)?;
    let api_root: String = row.try_get(1).map_err(store_error)?;
    Ok(CollectionRecord {
        id: CollectionId::from_uuid(id),
        api_root: parse_root_name(&api_root)?,
        title: row.try_get(2).map_err(store_error)?,
        description: row.try_get(3).map_err(store_error)?,
        alias: row.try_get(4).map_err(store_error)?,
    })
}

/// Columns 5 and 6: can_read, can_write (NULL when no grant).
fn access_from_row(row: &DbRow) -> Result<Access, StoreError> {
    let can_read: Option<bool> = row.try_get(5).map_err(store_error)?;
    let can_write: Option<bool> = row.try_get(6).map_err(store_error)?;
    Ok(Access {
        can_read: can_read.unwrap_or(false),
        can_write: can_write.unwrap_or(false),
    })
}

const COLLECTION_COLUMNS: &str = "SELECT c.id, c.api_root, c.title, c.description, c.alias, \
     a.can_read, a.can_write FROM collections c LEFT JOIN collection_access a \
     ON a.collection_pk = c.pk AND a.partner_id = ";

fn push_in_list(qb: &mut QueryBuilder<Db>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    qb.push(format_args!(" AND {column} IN ("));
    let mut list = qb.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
    list.push_unseparated(")");
}

fn position_from_row(row: &DbRow) -> Result<Position, StoreError> {
    Ok(Position {
        seq: row.try_get(0).map_err(store_error)?,
        date_added: date_added(row.try_get(1).map_err(store_error)?),
    })
}

async fn lock_counter(
    conn: &mut <Db as sqlx::Database>::Connection,
) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(LOCK_COUNTER_SQL)
        .fetch_one(conn)
        .await
        .map_err(store_error)?;
    Ok((
        row.try_get(0).map_err(store_error)?,
        row.try_get(1).map_err(store_error)?,
    ))
}

async fn collection_pk(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection: CollectionId,
) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar("SELECT pk FROM collections WHERE id = $1")
        .bind(collection.uuid())
        .fetch_optional(conn)
        .await
        .map_err(store_error)
}

/// Clears a first/last flag on stored rows that lost it.
async fn clear_flag(
    conn: &mut <Db as sqlx::Database>::Connection,
    column: &str,
    seqs: &[i64],
) -> Result<(), StoreError> {
    for chunk in seqs.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "UPDATE objects SET {column} = FALSE WHERE seq IN ("
        ));
        let mut list = qb.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        list.push_unseparated(")");
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// Gives an object's remaining versions their first/last flags back after a delete.
async fn reflag(
    conn: &mut <Db as sqlx::Database>::Connection,
    pk: i64,
    object_id: &str,
) -> Result<(), StoreError> {
    for sql in [
        "UPDATE objects SET is_first = TRUE WHERE seq = (SELECT seq FROM objects \
         WHERE collection_pk = $1 AND object_id = $2 ORDER BY version_us, version_ns LIMIT 1)",
        "UPDATE objects SET is_last = TRUE WHERE seq = (SELECT seq FROM objects \
         WHERE collection_pk = $1 AND object_id = $2 \
         ORDER BY version_us DESC, version_ns DESC LIMIT 1)",
    ] {
        sqlx::query(sql)
            .bind(pk)
            .bind(object_id.to_owned())
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

async fn insert_statuses(
    conn: &mut <Db as sqlx::Database>::Connection,
    records: &[StatusRecord],
) -> Result<(), StoreError> {
    // Ten parameters a row: well under both backends' limits at 100 rows.
    for chunk in records.chunks(100) {
        let mut documents = Vec::with_capacity(chunk.len());
        for record in chunk {
            let document = serde_json::to_string(&StatusDetails::from_record(record))
                .map_err(|error| StoreError::Backend(format!("status details: {error}")))?;
            documents.push(document);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO statuses (id, api_root, submitter, status, request_timestamp, \
             total_count, success_count, failure_count, pending_count, details) ",
        );
        qb.push_values(
            chunk.iter().zip(documents),
            |mut row, (record, document)| {
                let count =
                    |details: &[StatusDetail]| i64::try_from(details.len()).unwrap_or(i64::MAX);
                let total = count(&record.successes)
                    .saturating_add(count(&record.failures))
                    .saturating_add(count(&record.pendings));
                row.push_bind(record.id.uuid())
                    .push_bind(record.api_root.as_str().to_owned())
                    .push_bind(record.submitter.clone())
                    .push_bind(record.status.clone())
                    .push_bind(record.request_timestamp.micros())
                    .push_bind(total)
                    .push_bind(count(&record.successes))
                    .push_bind(count(&record.failures))
                    .push_bind(count(&record.pendings))
                    .push_bind(document);
            },
        );
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

impl Store for ThisStore {
    async fn api_roots(&self) -> Result<Vec<ApiRootRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, title, description, max_content_length FROM api_roots ORDER BY name",
        )
        .fetch_all(self.read_pool())
        .await
        .map_err(store_error)?;
        rows.iter().map(api_root_from_row).collect()
    }

    async fn api_root(&self, name: &ApiRootName) -> Result<Option<ApiRootRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT name, title, description, max_content_length FROM api_roots WHERE name = $1",
        )
        .bind(name.as_str().to_owned())
        .fetch_optional(self.read_pool())
        .await
        .map_err(store_error)?;
        row.as_ref().map(api_root_from_row).transpose()
    }

    async fn collections(
        &self,
        api_root: &ApiRootName,
        partner: &str,
    ) -> Result<Vec<(CollectionRecord, Access)>, StoreError> {
        let mut qb = QueryBuilder::<Db>::new(COLLECTION_COLUMNS);
        qb.push_bind(partner.to_owned());
        qb.push(" WHERE c.api_root = ");
        qb.push_bind(api_root.as_str().to_owned());
        qb.push(" ORDER BY c.pk");
        let rows = qb
            .build()
            .fetch_all(self.read_pool())
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| Ok((collection_from_row(row)?, access_from_row(row)?)))
            .collect()
    }

    async fn collection(
        &self,
        api_root: &ApiRootName,
        id: CollectionId,
        partner: &str,
    ) -> Result<Option<(CollectionRecord, Access)>, StoreError> {
        let mut qb = QueryBuilder::<Db>::new(COLLECTION_COLUMNS);
        qb.push_bind(partner.to_owned());
        qb.push(" WHERE c.api_root = ");
        qb.push_bind(api_root.as_str().to_owned());
        qb.push(" AND c.id = ");
        qb.push_bind(id.uuid());
        let row = qb
            .build()
            .fetch_optional(self.read_pool())
            .await
            .map_err(store_error)?;
        row.as_ref()
            .map(|row| Ok((collection_from_row(row)?, access_from_row(row)?)))
            .transpose()
    }

    async fn objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ObjectRecord>, StoreError> {
        self.scoped_objects(collection, reader, query).await
    }

    async fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError> {
        self.scoped_manifest(collection, reader, query).await
    }

    async fn submit(&self, submissions: Vec<Submission>) -> Result<Vec<StatusRecord>, StoreError> {
        self.submit_scoped(submissions).await
    }

    async fn delete_object(
        &self,
        collection: CollectionId,
        reader: &Principal,
        object_id: &str,
        versions: &VersionFilter,
        spec_versions: &[String],
    ) -> Result<u64, StoreError> {
        self.delete_scoped(collection, reader, object_id, versions, spec_versions)
            .await
    }

    async fn status(
        &self,
        api_root: &ApiRootName,
        id: StatusId,
    ) -> Result<Option<StatusRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT status, request_timestamp, details, submitter FROM statuses \
             WHERE id = $1 AND api_root = $2",
        )
        .bind(id.uuid())
        .bind(api_root.as_str().to_owned())
        .fetch_optional(self.read_pool())
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let details: String = row.try_get(2).map_err(store_error)?;
        let details: StatusDetails = serde_json::from_str(&details)
            .map_err(|error| StoreError::Backend(format!("stored status details: {error}")))?;
        let (successes, failures, pendings) = details.into_parts();
        Ok(Some(StatusRecord {
            id,
            api_root: api_root.clone(),
            submitter: row.try_get(3).map_err(store_error)?,
            status: row.try_get(0).map_err(store_error)?,
            request_timestamp: date_added(row.try_get(1).map_err(store_error)?),
            successes,
            failures,
            pendings,
        }))
    }

    async fn authenticate_credential(
        &self,
        kind: CredentialKind,
        digest: &[u8; 32],
    ) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.partner_id FROM credentials c JOIN partners p ON p.id = c.partner_id \
             WHERE c.digest = $1 AND c.kind = $2 AND c.revoked IS NULL \
             AND p.status = 'active'",
        )
        .bind(digest.to_vec())
        .bind(kind.as_str())
        .fetch_optional(self.read_pool())
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(Principal {
                credential_id: row.try_get(0).map_err(store_error)?,
                partner_id: row.try_get(1).map_err(store_error)?,
                method: match kind {
                    CredentialKind::Token => AuthMethod::Bearer,
                    CredentialKind::ClientCertificate => AuthMethod::ClientCertificate,
                },
            })
        })
        .transpose()
    }
}

fn partner_from_row(row: &DbRow) -> Result<PartnerRecord, StoreError> {
    let status: String = row.try_get(3).map_err(store_error)?;
    Ok(PartnerRecord {
        id: row.try_get(0).map_err(store_error)?,
        display_name: row.try_get(1).map_err(store_error)?,
        role: row.try_get(2).map_err(store_error)?,
        status: PartnerStatus::parse(&status)?,
        created: row.try_get(4).map_err(store_error)?,
    })
}

fn credential_from_row(row: &DbRow) -> Result<CredentialRecord, StoreError> {
    Ok(CredentialRecord {
        id: row.try_get(0).map_err(store_error)?,
        partner_id: row.try_get(1).map_err(store_error)?,
        kind: row.try_get(2).map_err(store_error)?,
        label: row.try_get(3).map_err(store_error)?,
        created: row.try_get(4).map_err(store_error)?,
        revoked: row.try_get(5).map_err(store_error)?,
    })
}

async fn partner_exists(
    conn: &mut <Db as sqlx::Database>::Connection,
    id: &str,
) -> Result<bool, StoreError> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await
        .map_err(store_error)?;
    Ok(found.is_some())
}

async fn insert_credential(
    conn: &mut <Db as sqlx::Database>::Connection,
    partner: &str,
    kind: CredentialKind,
    label: Option<&str>,
    digest: [u8; 32],
    now: i64,
) -> Result<String, StoreError> {
    let id = Uuid::new_v4().hyphenated().to_string();
    sqlx::query(
        "INSERT INTO credentials (id, partner_id, kind, digest, label, created, revoked) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
    .bind(id.clone())
    .bind(partner.to_owned())
    .bind(kind.as_str())
    .bind(digest.to_vec())
    .bind(label.map(str::to_owned))
    .bind(now)
    .execute(conn)
    .await
    .map_err(store_error)?;
    Ok(id)
}

impl ThisStore {
    pub async fn bootstrap(&self, new_token_digest: [u8; 32]) -> Result<bool, StoreError> {
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        // Serializes concurrent first starts of several processes.
        lock_counter(&mut tx).await?;
        // A hub set up from a mission (`accord init`) has its own partners, API roots and
        // collections: no zero-config `local`, no bootstrap token.
        let mission: Option<String> =
            sqlx::query_scalar("SELECT mission FROM release_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
        if mission.is_some_and(|m| m != fanout::ZERO_CONFIG_MISSION) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO api_roots (name, title, description, max_content_length) \
             VALUES ($1, 'Accord', NULL, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(DEFAULT_API_ROOT)
        .bind(i64::try_from(DEFAULT_MAX_CONTENT_LENGTH).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO partners (id, display_name, role, status, created) \
             VALUES ($1, 'Local analyst', 'lead', 'active', $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(LOCAL_PARTNER)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sync_audiences(&mut tx, now, &HashMap::new()).await?;
        let shared: Option<i64> =
            sqlx::query_scalar("SELECT pk FROM collections WHERE api_root = $1 AND alias = $2")
                .bind(DEFAULT_API_ROOT)
                .bind(DEFAULT_COLLECTION_ALIAS)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if shared.is_none() {
            // Created once; rights changed later by an operator are theirs to keep.
            let pk: i64 = sqlx::query_scalar(
                "INSERT INTO collections (id, api_root, alias, title, description) \
                 VALUES ($1, $2, $3, 'Shared', NULL) RETURNING pk",
            )
            .bind(Uuid::new_v4())
            .bind(DEFAULT_API_ROOT)
            .bind(DEFAULT_COLLECTION_ALIAS)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
            sqlx::query(
                "INSERT INTO collection_access (partner_id, collection_pk, can_read, can_write) \
                 VALUES ($1, $2, TRUE, TRUE) ON CONFLICT (partner_id, collection_pk) DO NOTHING",
            )
            .bind(LOCAL_PARTNER)
            .bind(pk)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        // Only ever one bootstrap credential: once revoked, a restart does not mint another.
        let credentials: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE partner_id = $1")
                .bind(LOCAL_PARTNER)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
        let created = credentials == 0;
        if created {
            insert_credential(
                &mut tx,
                LOCAL_PARTNER,
                CredentialKind::Token,
                Some("bootstrap"),
                new_token_digest,
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(created)
    }

    pub async fn add_api_root(
        &self,
        name: &ApiRootName,
        title: &str,
        description: Option<&str>,
        max_content_length: u64,
    ) -> Result<(), StoreAdminError> {
        let inserted = sqlx::query(
            "INSERT INTO api_roots (name, title, description, max_content_length) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.as_str().to_owned())
        .bind(title.to_owned())
        .bind(description.map(str::to_owned))
        .bind(i64::try_from(max_content_length).unwrap_or(i64::MAX))
        .execute(self.write_pool())
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreAdminError::AlreadyExists(format!("API root {name}")));
        }
        Ok(())
    }

    pub async fn add_partner(
        &self,
        id: &str,
        display_name: &str,
        role: &str,
    ) -> Result<(), StoreAdminError> {
        check_partner_id(id)?;
        if role.is_empty() {
            return Err(StoreAdminError::Invalid(
                "a partner needs a role".to_owned(),
            ));
        }
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        // Audience classes change with the partners: serialized with submits.
        lock_counter(&mut tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO partners (id, display_name, role, status, created) \
             VALUES ($1, $2, $3, 'active', $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_owned())
        .bind(display_name.to_owned())
        .bind(role.to_owned())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreAdminError::AlreadyExists(format!("partner {id}")));
        }
        sync_audiences(&mut tx, now, &HashMap::new()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    pub async fn list_partners(&self) -> Result<Vec<PartnerRecord>, StoreAdminError> {
        let rows =
            sqlx::query("SELECT id, display_name, role, status, created FROM partners ORDER BY id")
                .fetch_all(self.read_pool())
                .await
                .map_err(store_error)?;
        Ok(rows
            .iter()
            .map(partner_from_row)
            .collect::<Result<Vec<_>, StoreError>>()?)
    }

    pub async fn set_partner_status(
        &self,
        id: &str,
        status: PartnerStatus,
    ) -> Result<(), StoreAdminError> {
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        let updated = sqlx::query("UPDATE partners SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected();
        if updated == 0 {
            return Err(StoreAdminError::NotFound(format!("partner {id}")));
        }
        sync_audiences(&mut tx, now, &HashMap::new()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    pub async fn add_collection(
        &self,
        api_root: &ApiRootName,
        alias: Option<&str>,
        title: &str,
        description: Option<&str>,
    ) -> Result<CollectionId, StoreAdminError> {
        if alias.is_some_and(|alias| Uuid::try_parse(alias).is_ok() || alias.is_empty()) {
            // An alias that reads as a UUID would be ambiguous wherever ids or aliases are taken.
            return Err(StoreAdminError::Invalid(
                "a collection alias may be neither empty nor a UUID".to_owned(),
            ));
        }
        let mut tx = self.begin_write().await.map_err(store_error)?;
        let root: Option<String> = sqlx::query_scalar("SELECT name FROM api_roots WHERE name = $1")
            .bind(api_root.as_str().to_owned())
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        if root.is_none() {
            return Err(StoreAdminError::NotFound(format!("API root {api_root}")));
        }
        let id = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO collections (id, api_root, alias, title, description) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (api_root, alias) DO NOTHING",
        )
        .bind(id)
        .bind(api_root.as_str().to_owned())
        .bind(alias.map(str::to_owned))
        .bind(title.to_owned())
        .bind(description.map(str::to_owned))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreAdminError::AlreadyExists(format!(
                "collection alias {} in API root {api_root}",
                alias.unwrap_or_default()
            )));
        }
        tx.commit().await.map_err(store_error)?;
        Ok(CollectionId::from_uuid(id))
    }

    pub async fn list_collections(&self) -> Result<Vec<CollectionRecord>, StoreAdminError> {
        let rows = sqlx::query(
            "SELECT id, api_root, title, description, alias FROM collections ORDER BY pk",
        )
        .fetch_all(self.read_pool())
        .await
        .map_err(store_error)?;
        Ok(rows
            .iter()
            .map(collection_from_row)
            .collect::<Result<Vec<_>, StoreError>>()?)
    }

    pub async fn find_collection(
        &self,
        id_or_alias: &str,
    ) -> Result<CollectionRecord, StoreAdminError> {
        let rows = match Uuid::try_parse(id_or_alias) {
            Ok(id) => sqlx::query(
                "SELECT id, api_root, title, description, alias FROM collections WHERE id = $1",
            )
            .bind(id)
            .fetch_all(self.read_pool())
            .await
            .map_err(store_error)?,
            Err(_) => sqlx::query(
                "SELECT id, api_root, title, description, alias FROM collections \
                 WHERE alias = $1 ORDER BY pk",
            )
            .bind(id_or_alias.to_owned())
            .fetch_all(self.read_pool())
            .await
            .map_err(store_error)?,
        };
        match rows.as_slice() {
            [row] => Ok(collection_from_row(row)?),
            [] => Err(StoreAdminError::NotFound(format!(
                "collection {id_or_alias}"
            ))),
            _ => Err(StoreAdminError::Invalid(format!(
                "the alias {id_or_alias} names collections in several API roots; give the id"
            ))),
        }
    }

    pub async fn grant(
        &self,
        partner: &str,
        collection: CollectionId,
        access: Access,
    ) -> Result<(), StoreAdminError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        if !partner_exists(&mut tx, partner).await? {
            return Err(StoreAdminError::NotFound(format!("partner {partner}")));
        }
        let Some(pk) = collection_pk(&mut tx, collection).await? else {
            return Err(StoreAdminError::NotFound(format!(
                "collection {collection}"
            )));
        };
        sqlx::query(
            "INSERT INTO collection_access (partner_id, collection_pk, can_read, can_write) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id, collection_pk) \
             DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
        )
        .bind(partner.to_owned())
        .bind(pk)
        .bind(access.can_read)
        .bind(access.can_write)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    pub async fn create_credential(
        &self,
        partner: &str,
        kind: CredentialKind,
        label: Option<&str>,
        digest: [u8; 32],
    ) -> Result<String, StoreAdminError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        if !partner_exists(&mut tx, partner).await? {
            return Err(StoreAdminError::NotFound(format!("partner {partner}")));
        }
        let id = insert_credential(&mut tx, partner, kind, label, digest, (self.clock())()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(id)
    }

    pub async fn list_credentials(
        &self,
        partner: Option<&str>,
    ) -> Result<Vec<CredentialRecord>, StoreAdminError> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, partner_id, kind, label, created, revoked FROM credentials",
        );
        if let Some(partner) = partner {
            qb.push(" WHERE partner_id = ");
            qb.push_bind(partner.to_owned());
        }
        qb.push(" ORDER BY created, id");
        let rows = qb
            .build()
            .fetch_all(self.read_pool())
            .await
            .map_err(store_error)?;
        Ok(rows
            .iter()
            .map(credential_from_row)
            .collect::<Result<Vec<_>, StoreError>>()?)
    }

    pub async fn revoke_credential(&self, id: &str) -> Result<(), StoreAdminError> {
        let updated =
            sqlx::query("UPDATE credentials SET revoked = COALESCE(revoked, $1) WHERE id = $2")
                .bind((self.clock())())
                .bind(id.to_owned())
                .execute(self.write_pool())
                .await
                .map_err(store_error)?
                .rows_affected();
        if updated == 0 {
            return Err(StoreAdminError::NotFound(format!("credential {id}")));
        }
        Ok(())
    }
}
