//! Responses as the tests look at them, TAXII error checks, and raw HTTP/1.1 over TCP for the
//! requests `reqwest` will not send (a `Content-Length` larger than the body, a chunked body
//! that never ends).

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::TAXII;

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    json: Option<Value>,
}

impl Reply {
    pub async fn from(request: reqwest::RequestBuilder) -> Reply {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("reading the response failed: {e}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).ok();
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// Checks the status, showing the body when it is not the expected one.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status, status,
            "expected HTTP {status}, got {} with body: {}",
            self.status, self.text
        );
        self
    }

    /// The body as JSON; panics if it is not JSON.
    #[track_caller]
    pub fn json(&self) -> &Value {
        self.json
            .as_ref()
            .unwrap_or_else(|| panic!("HTTP {} body is not JSON: {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// The objects of an envelope (none when the property is absent).
    pub fn objects(&self) -> Vec<Value> {
        self.json()["objects"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The ids of the objects of an envelope, in order.
    pub fn ids(&self) -> Vec<String> {
        self.objects()
            .iter()
            .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// `more` of an envelope or a versions or manifest resource (false when absent).
    pub fn more(&self) -> bool {
        self.json()["more"].as_bool().unwrap_or(false)
    }

    pub fn next(&self) -> Option<String> {
        self.json()["next"].as_str().map(str::to_owned)
    }

    /// Checks that this is a TAXII error message (TAXII 2.1 §3.6.1) with this status: the TAXII
    /// media type, a JSON object with a `title`, and `http_status`, when given, agreeing.
    #[track_caller]
    pub fn expect_taxii_error(self, status: u16) -> Reply {
        let reply = self.expect(status);
        assert!(
            is_taxii(reply.content_type()),
            "HTTP {status} should carry a TAXII error message, got Content-Type {:?}: {}",
            reply.content_type(),
            reply.text
        );
        let body = reply.json();
        assert!(
            body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "a TAXII error message has a title: {}",
            reply.text
        );
        if let Some(http_status) = body.get("http_status") {
            assert_eq!(
                http_status.as_str(),
                Some(status.to_string().as_str()),
                "http_status (a string) should repeat the status: {}",
                reply.text
            );
        }
        reply
    }

    /// The title and description of a TAXII error message, for checking what it names.
    pub fn error_text(&self) -> String {
        let body = self.json();
        format!(
            "{} {}",
            body["title"].as_str().unwrap_or_default(),
            body["description"].as_str().unwrap_or_default()
        )
    }
}

/// `application/taxii+json;version=2.1`, allowing the spaces and case media types allow.
pub fn is_taxii(content_type: &str) -> bool {
    normalize_media_type(content_type) == TAXII
}

pub fn normalize_media_type(media_type: &str) -> String {
    media_type
        .split(';')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(";")
}

/// A response read from a raw socket.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "HTTP {} body is not JSON: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// Sends `head` (request line and headers, without the blank line), then `body` in chunks of
/// `chunk` bytes, and reads the response concurrently. The writer stops at the first error
/// (the server may close the connection once it has answered) and after `body` it stays idle
/// without closing the connection, so a server that waits for the rest of a body never answers.
pub async fn raw_request(
    address: &str,
    head: &str,
    body: impl Iterator<Item = Vec<u8>> + Send + 'static,
    wait: Duration,
) -> Result<RawReply, String> {
    let host = address.trim_start_matches("http://");
    let stream = TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!("{head}\r\n\r\n").into_bytes();
    let sender = tokio::spawn(async move {
        let mut sent = 0usize;
        if writer.write_all(&head).await.is_err() {
            return sent;
        }
        for part in body {
            if writer.write_all(&part).await.is_err() {
                return sent;
            }
            sent += part.len();
        }
        let _ = writer.flush().await;
        // Keep the connection open: the server must answer without the rest.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(writer);
        sent
    });
    let read = tokio::time::timeout(wait, read_response(&mut reader)).await;
    sender.abort();
    match read {
        Ok(reply) => reply,
        Err(_) => Err(format!("no complete response within {wait:?}")),
    }
}

async fn read_response(reader: &mut tokio::net::tcp::OwnedReadHalf) -> Result<RawReply, String> {
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i;
        }
        let n = reader
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!(
                "connection closed before a response: {:?}",
                String::from_utf8_lossy(&buffer)
            ));
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = String::from_utf8_lossy(buffer.get(..head_end).unwrap_or_default()).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head:?}"))?;
    let mut reply = RawReply {
        status,
        head,
        body: buffer.get(head_end + 4..).unwrap_or_default().to_vec(),
    };
    let length: Option<usize> = reply.header("content-length").and_then(|v| v.parse().ok());
    let chunked = reply
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    loop {
        if let Some(length) = length
            && reply.body.len() >= length
        {
            reply.body.truncate(length);
            return Ok(reply);
        }
        if chunked && find(&reply.body, b"0\r\n\r\n").is_some() {
            reply.body = dechunk(&reply.body);
            return Ok(reply);
        }
        let n = reader
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read body: {e}"))?;
        if n == 0 {
            if chunked {
                reply.body = dechunk(&reply.body);
            }
            return Ok(reply);
        }
        reply
            .body
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(data, b"\r\n") {
        let size_text = String::from_utf8_lossy(data.get(..line_end).unwrap_or_default());
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(data.get(start..start + size).unwrap_or_default());
        data = data.get(start + size + 2..).unwrap_or_default();
    }
    out
}
