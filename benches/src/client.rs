//! A TAXII 2.1 client just large enough to load the server: post envelopes, read pages,
//! get one object.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::value::RawValue;

pub const TAXII: &str = "application/taxii+json;version=2.1";

#[derive(Clone)]
pub struct Taxii {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
}

/// One page of the objects endpoint, as far as the benchmark needs it.
#[derive(Debug)]
pub struct PageSummary {
    pub objects: usize,
    pub more: bool,
    pub next: Option<String>,
    pub date_added_last: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, borrow)]
    objects: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    success_count: u64,
    #[serde(default)]
    failure_count: u64,
    #[serde(default)]
    pending_count: u64,
}

#[derive(Deserialize)]
struct Collections {
    #[serde(default)]
    collections: Vec<Collection>,
}

#[derive(Deserialize)]
struct Collection {
    id: String,
    #[serde(default)]
    alias: Option<String>,
}

impl Taxii {
    pub fn new(base_url: &str, token: &str) -> anyhow::Result<Taxii> {
        let http = reqwest::Client::builder()
            // Loopback only: a proxy from the environment must not see this traffic.
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(300))
            .build()?;
        let authorization = HeaderValue::from_str(&format!("Bearer {token}"))?;
        Ok(Taxii {
            http,
            base_url: base_url.to_owned(),
            authorization,
        })
    }

    fn objects_url(&self, collection: &str) -> String {
        format!(
            "{}/default/collections/{collection}/objects/",
            self.base_url
        )
    }

    /// The id of the collection with `alias` in the default API root.
    pub async fn collection_by_alias(&self, alias: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .get(format!("{}/default/collections/", self.base_url))
            .header(ACCEPT, TAXII)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            bail!(
                "GET collections: {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        let list: Collections = serde_json::from_slice(&body)?;
        list.collections
            .into_iter()
            .find(|c| c.alias.as_deref() == Some(alias))
            .map(|c| c.id)
            .with_context(|| format!("no collection with alias {alias}"))
    }

    /// Posts an envelope of `count` objects and checks that all of them succeeded.
    pub async fn post(
        &self,
        collection: &str,
        body: String,
        count: u64,
    ) -> anyhow::Result<Duration> {
        let start = Instant::now();
        let response = self
            .http
            .post(self.objects_url(collection))
            .header(ACCEPT, TAXII)
            .header(CONTENT_TYPE, TAXII)
            .header(AUTHORIZATION, self.authorization.clone())
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let elapsed = start.elapsed();
        if !status.is_success() {
            bail!(
                "POST objects: {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let resource: Status = serde_json::from_slice(&bytes)
            .with_context(|| format!("status resource: {}", String::from_utf8_lossy(&bytes)))?;
        if resource.success_count != count {
            bail!(
                "POST objects: {} of {count} succeeded ({} failed, {} pending): {}",
                resource.success_count,
                resource.failure_count,
                resource.pending_count,
                String::from_utf8_lossy(bytes.get(..bytes.len().min(600)).unwrap_or(&[]))
            );
        }
        Ok(elapsed)
    }

    /// One page of the objects endpoint with the given query string (without `?`).
    pub async fn page(
        &self,
        collection: &str,
        query: &str,
    ) -> anyhow::Result<(Duration, PageSummary)> {
        let url = if query.is_empty() {
            self.objects_url(collection)
        } else {
            format!("{}?{query}", self.objects_url(collection))
        };
        let start = Instant::now();
        let response = self
            .http
            .get(url)
            .header(ACCEPT, TAXII)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await?;
        let status = response.status();
        let date_added_last = response
            .headers()
            .get("x-taxii-date-added-last")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await?;
        let elapsed = start.elapsed();
        if !status.is_success() {
            bail!("GET objects: {status}: {}", String::from_utf8_lossy(&bytes));
        }
        // An empty result may be an empty body or `{}`.
        let envelope: Envelope<'_> = if bytes.iter().all(u8::is_ascii_whitespace) {
            Envelope {
                more: false,
                next: None,
                objects: Vec::new(),
            }
        } else {
            serde_json::from_slice(&bytes).context("objects envelope")?
        };
        Ok((
            elapsed,
            PageSummary {
                objects: envelope.objects.len(),
                more: envelope.more,
                next: envelope.next,
                date_added_last,
            },
        ))
    }

    /// `GET …/objects/{id}/` and checks that the object came back; `false` for a 404 (the
    /// caller counts those: a stored object the server does not show is a finding, not a
    /// reason to stop measuring).
    pub async fn get_object(&self, collection: &str, id: &str) -> anyhow::Result<(Duration, bool)> {
        let start = Instant::now();
        let response = self
            .http
            .get(format!("{}{id}/", self.objects_url(collection)))
            .header(ACCEPT, TAXII)
            .header(AUTHORIZATION, self.authorization.clone())
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let elapsed = start.elapsed();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok((elapsed, false));
        }
        if !status.is_success() {
            bail!(
                "GET object {id}: {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        // A substring check instead of a parse: the client shares the two cores with the server.
        let needle = id.as_bytes();
        if !bytes.windows(needle.len()).any(|w| w == needle) {
            bail!("GET object {id}: the response does not hold the object");
        }
        Ok((elapsed, true))
    }
}

/// Percent-encodes a query parameter value (cursors and timestamps hold `:` and `+`).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode("2026-01-01T00:00:00.000001Z"),
            "2026-01-01T00%3A00%3A00.000001Z"
        );
        assert_eq!(encode("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
