//! Signed checkpoints: a C2SP `tlog-checkpoint` (origin, tree size, base64 root hash) in a C2SP
//! `signed-note`, signed with the hub's Ed25519 key (signature type 0x01):
//!
//! ```text
//! accord.audit/1f0c…
//! 1048576
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//!
//! — accord.audit/1f0c… <base64(key id ‖ signature)>
//! ```
//!
//! Keys travel as the text forms Go's `sumdb/note` package uses: the verifier key
//! `name+hex(key id)+base64(0x01 ‖ public key)`, and the signer key
//! `PRIVATE+KEY+name+hex(key id)+base64(0x01 ‖ seed)`. The key id is
//! `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[..4]`. Witnesses cosign by adding lines; lines
//! from keys the verifier does not know are ignored, as the note format requires.

use aws_lc_rs::encoding::AsBigEndian;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use super::AuditError;
use super::merkle::Hash;

const ED25519_TYPE: u8 = 0x01;
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// A tree head: the log's origin, its size and its root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: three lines, each ending in a newline.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Parses note text (extension lines are ignored, as the format allows).
    pub fn parse_text(text: &str) -> Result<Checkpoint, AuditError> {
        let bad = |why: &str| {
            Err(AuditError::Checkpoint(format!(
                "malformed checkpoint: {why}"
            )))
        };
        let Some(body) = text.strip_suffix('\n') else {
            return bad("the text does not end in a newline");
        };
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return bad("fewer than three lines");
        };
        if lines.any(str::is_empty) {
            return bad("an empty extension line");
        }
        if origin.is_empty() {
            return bad("an empty origin");
        }
        let canonical_size = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let Some(size) = size.parse::<u64>().ok().filter(|_| canonical_size) else {
            return bad("the tree size is not a decimal number without leading zeroes");
        };
        let Some(root) = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
        else {
            return bad("the root hash is not 32 bytes of base64");
        };
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

fn check_key_name(name: &str) -> Result<(), AuditError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(AuditError::Key(format!(
            "key name {name:?} must be non-empty, without spaces or '+'"
        )));
    }
    Ok(())
}

fn key_id(name: &str, public_key: &[u8]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ED25519_TYPE]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    let mut id = [0u8; 4];
    id.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    id
}

fn hex4(id: [u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A public key that checkpoints are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: [u8; 4],
    public_key: [u8; 32],
}

impl VerifierKey {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses `name+hex(key id)+base64(0x01 ‖ public key)`; the id must match the key.
    pub fn parse(text: &str) -> Result<VerifierKey, AuditError> {
        let bad = |why: &str| Err(AuditError::Key(format!("bad verifier key: {why}")));
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key)) = (parts.next(), parts.next(), parts.next())
        else {
            return bad("expected name+keyid+key");
        };
        check_key_name(name)?;
        let Some(bytes) = BASE64.decode(key).ok() else {
            return bad("the key is not base64");
        };
        let Some((&ED25519_TYPE, public)) = bytes.split_first() else {
            return bad("not an Ed25519 (type 0x01) key");
        };
        let Ok(public_key) = <[u8; 32]>::try_from(public) else {
            return bad("an Ed25519 public key is 32 bytes");
        };
        let id = key_id(name, &public_key);
        if hex4(id) != id_hex {
            return bad("the key id does not match the name and key");
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            id,
            public_key,
        })
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = vec![ED25519_TYPE];
        key.extend_from_slice(&self.public_key);
        write!(f, "{}+{}+{}", self.name, hex4(self.id), BASE64.encode(key))
    }
}

/// The hub's checkpoint signing key. Never printed.
pub struct SigningKey {
    name: String,
    pair: Ed25519KeyPair,
    verifier: VerifierKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("verifier", &self.verifier.to_string())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key named `name` (the log's origin, as C2SP recommends).
    pub fn generate(name: &str) -> Result<SigningKey, AuditError> {
        check_key_name(name)?;
        let pair = Ed25519KeyPair::generate()
            .map_err(|_| AuditError::Key("cannot generate an Ed25519 key".to_owned()))?;
        Ok(SigningKey::from_pair(name, pair))
    }

    fn from_pair(name: &str, pair: Ed25519KeyPair) -> SigningKey {
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(pair.public_key().as_ref());
        let verifier = VerifierKey {
            name: name.to_owned(),
            id: key_id(name, &public_key),
            public_key,
        };
        SigningKey {
            name: name.to_owned(),
            pair,
            verifier,
        }
    }

    /// Parses `PRIVATE+KEY+name+hex(key id)+base64(0x01 ‖ seed)`.
    pub fn parse(text: &str) -> Result<SigningKey, AuditError> {
        let bad = |why: &str| Err(AuditError::Key(format!("bad signing key: {why}")));
        let Some(rest) = text.trim().strip_prefix("PRIVATE+KEY+") else {
            return bad("expected PRIVATE+KEY+name+keyid+key");
        };
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key)) = (parts.next(), parts.next(), parts.next())
        else {
            return bad("expected PRIVATE+KEY+name+keyid+key");
        };
        check_key_name(name)?;
        let Some(bytes) = BASE64.decode(key).ok() else {
            return bad("the key is not base64");
        };
        let Some((&ED25519_TYPE, seed)) = bytes.split_first() else {
            return bad("not an Ed25519 (type 0x01) key");
        };
        let Ok(pair) = Ed25519KeyPair::from_seed_unchecked(seed) else {
            return bad("an Ed25519 seed is 32 bytes");
        };
        let key = SigningKey::from_pair(name, pair);
        if hex4(key.verifier.id) != id_hex {
            return bad("the key id does not match the name and key");
        }
        Ok(key)
    }

    /// The text form [`SigningKey::parse`] reads: a secret, for a 0600 file.
    pub fn to_private_text(&self) -> Result<String, AuditError> {
        let seed = self
            .pair
            .seed()
            .and_then(|seed| seed.as_be_bytes())
            .map_err(|_| AuditError::Key("cannot export the Ed25519 seed".to_owned()))?;
        let mut key = vec![ED25519_TYPE];
        key.extend_from_slice(seed.as_ref());
        Ok(format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex4(self.verifier.id),
            BASE64.encode(key)
        ))
    }

    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The signed note of `checkpoint`.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let text = checkpoint.text();
        let signature = self.pair.sign(text.as_bytes());
        let mut blob = self.verifier.id.to_vec();
        blob.extend_from_slice(signature.as_ref());
        format!(
            "{text}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(blob)
        )
    }
}

/// Opens a signed checkpoint: every signature line from a key in `keys` must verify, and at
/// least one must be there; lines from other keys are ignored.
pub fn open(note: &str, keys: &[VerifierKey]) -> Result<Checkpoint, AuditError> {
    if note.chars().any(|c| (c as u32) < 0x20 && c != '\n') {
        return Err(AuditError::Checkpoint(
            "the note holds control characters".to_owned(),
        ));
    }
    let Some(split) = note.rfind("\n\n") else {
        return Err(AuditError::Checkpoint(
            "the note has no signature block".to_owned(),
        ));
    };
    let (text, signatures) = note.split_at(split + 1);
    let signatures = signatures.get(1..).unwrap_or_default();
    let Some(signatures) = signatures.strip_suffix('\n') else {
        return Err(AuditError::Checkpoint(
            "the signature block does not end in a newline".to_owned(),
        ));
    };
    let mut verified = 0;
    for line in signatures.split('\n') {
        let Some((name, blob)) = line
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|rest| rest.split_once(' '))
        else {
            return Err(AuditError::Checkpoint(format!(
                "malformed signature line {line:?}"
            )));
        };
        let Some(blob) = BASE64.decode(blob).ok() else {
            return Err(AuditError::Checkpoint(format!(
                "the signature of {name} is not base64"
            )));
        };
        let (Some(id), Some(signature)) = (blob.get(..4), blob.get(4..)) else {
            return Err(AuditError::Checkpoint(format!(
                "the signature of {name} is too short"
            )));
        };
        let Some(key) = keys.iter().find(|k| k.name == name && k.id == id) else {
            continue;
        };
        UnparsedPublicKey::new(&ED25519, key.public_key)
            .verify(text.as_bytes(), signature)
            .map_err(|_| {
                AuditError::Checkpoint(format!("the signature of {name} does not verify"))
            })?;
        verified += 1;
    }
    if verified == 0 {
        return Err(AuditError::Checkpoint(
            "not signed by a trusted key".to_owned(),
        ));
    }
    Checkpoint::parse_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "accord.audit/test".to_owned(),
            size: 20852163,
            root: [7; 32],
        }
    }

    #[test]
    fn checkpoint_text_is_three_lines_and_parses_back() {
        let text = checkpoint().text();
        assert_eq!(
            text,
            format!(
                "accord.audit/test\n20852163\n{}\n",
                BASE64.encode([7u8; 32])
            )
        );
        assert_eq!(Checkpoint::parse_text(&text).unwrap(), checkpoint());
        assert!(Checkpoint::parse_text("o\n012\nAAAA\n").is_err());
        assert!(Checkpoint::parse_text("o\n12\n").is_err());
        assert!(Checkpoint::parse_text(&text.replace("20852163", "-1")).is_err());
    }

    #[test]
    fn a_signed_checkpoint_opens_with_the_signers_key_only() {
        let key = SigningKey::generate("accord.audit/test").unwrap();
        let note = key.sign(&checkpoint());
        assert!(note.starts_with(&checkpoint().text()));
        assert!(note.contains("\n\n\u{2014} accord.audit/test "));
        assert_eq!(
            open(&note, &[key.verifier().clone()]).unwrap(),
            checkpoint()
        );

        let stranger = SigningKey::generate("accord.audit/test").unwrap();
        assert!(open(&note, &[stranger.verifier().clone()]).is_err());
        assert!(open(&note, &[]).is_err());
    }

    #[test]
    fn a_changed_size_or_root_breaks_the_signature() {
        let key = SigningKey::generate("accord.audit/test").unwrap();
        let keys = [key.verifier().clone()];
        let note = key.sign(&checkpoint());
        let bigger = note.replacen("20852163", "20852164", 1);
        assert!(open(&bigger, &keys).is_err());
        let swapped = note.replacen(&BASE64.encode([7u8; 32]), &BASE64.encode([8u8; 32]), 1);
        assert_ne!(swapped, note);
        assert!(open(&swapped, &keys).is_err());
    }

    #[test]
    fn cosignatures_from_unknown_keys_are_ignored() {
        let hub = SigningKey::generate("accord.audit/test").unwrap();
        let witness = SigningKey::generate("witness.example/w1").unwrap();
        let note = hub.sign(&checkpoint());
        let cosigned_line = witness.sign(&checkpoint());
        let line = cosigned_line.rsplit_once("\n\n").unwrap().1;
        let cosigned = format!("{note}{line}");
        assert_eq!(
            open(&cosigned, &[hub.verifier().clone()]).unwrap(),
            checkpoint()
        );
        assert_eq!(
            open(&cosigned, &[witness.verifier().clone()]).unwrap(),
            checkpoint()
        );
    }

    #[test]
    fn keys_round_trip_through_their_text_forms() {
        let key = SigningKey::generate("accord.audit/abc").unwrap();
        let private = key.to_private_text().unwrap();
        assert!(private.starts_with("PRIVATE+KEY+accord.audit/abc+"));
        let again = SigningKey::parse(&private).unwrap();
        assert_eq!(again.verifier(), key.verifier());
        let public = key.verifier().to_string();
        assert_eq!(&VerifierKey::parse(&public).unwrap(), key.verifier());
        // A key id that does not match is refused.
        let (head, tail) = public.split_at(public.find('+').unwrap() + 1);
        let wrong = format!("{head}00000000{}", &tail[8..]);
        assert!(VerifierKey::parse(&wrong).is_err() || wrong == public);
        assert!(SigningKey::generate("has space").is_err());
        assert!(SigningKey::generate("a+b").is_err());
    }
}
