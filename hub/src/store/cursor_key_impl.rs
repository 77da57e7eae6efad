// The key TAXII `next` cursors are sealed with (see `taxii::cursor`). Like `shared_impl.rs`,
// `include!`d by `sqlite.rs` and `postgres.rs` into their `shared` module. One key per
// database, made by the first process that asks, so that every `accord serve` on one
// database reads the cursors of every other.

impl ThisStore {
    pub async fn cursor_key(&self) -> Result<taxii::cursor::CursorKey, StoreError> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh)
            .map_err(|error| StoreError::Unavailable(format!("no random numbers: {error}")))?;
        sqlx::query(
            "INSERT INTO hub_keys (name, value) VALUES ('cursor', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&fresh[..])
        .execute(self.write_pool())
        .await
        .map_err(store_error)?;
        let stored: Vec<u8> =
            sqlx::query_scalar("SELECT value FROM hub_keys WHERE name = 'cursor'")
                .fetch_one(self.write_pool())
                .await
                .map_err(store_error)?;
        let bytes: [u8; 32] = stored.try_into().map_err(|_| {
            StoreError::Unavailable("the stored cursor key is not 32 bytes".to_owned())
        })?;
        Ok(taxii::cursor::CursorKey::from_bytes(bytes))
    }
}
