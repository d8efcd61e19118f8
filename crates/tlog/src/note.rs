//! C2SP `signed-note` (Ed25519), `tlog-checkpoint` and `tlog-cosignature` (Ed25519, v1).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Signature type of a log's own Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type of timestamped Ed25519 witness cosignatures (`cosignature/v1`).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The em dash (U+2014) and space that start a signature line.
const SIG_PREFIX: &str = "\u{2014} ";
/// Most signature lines a note may carry here.
pub const MAX_SIGNATURES: usize = 64;

/// Why a key, note, checkpoint or cosignature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key string is not in the expected form.
    #[error("malformed key: {0}")]
    BadKey(String),
    /// The note is not a well-formed signed note.
    #[error("malformed note: {0}")]
    Malformed(String),
    /// The note carries no signature by the expected key.
    #[error("the note is not signed by {0}")]
    NotSigned(String),
    /// A signature by the expected key does not verify.
    #[error("the signature by {0} does not verify")]
    BadSignature(String),
    /// The note text is not a checkpoint.
    #[error("not a checkpoint: {0}")]
    NotCheckpoint(String),
    /// No randomness for a new key.
    #[error("no randomness available: {0}")]
    Random(String),
}

/// `SHA-256(name ‖ 0x0A ‖ alg ‖ public key)[:4]` as a big-endian integer.
pub fn key_id(name: &str, alg: u8, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, alg]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(NoteError::BadKey(format!(
            "key name {name:?} must be non-empty without spaces or '+'"
        )));
    }
    Ok(())
}

/// An Ed25519 signing key with its name: a log's checkpoint key or a witness's cosigning key.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("name", &self.name).finish()
    }
}

impl Signer {
    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Signer, NoteError> {
        check_name(name)?;
        Ok(Signer {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A new random key named `name`.
    pub fn generate(name: &str) -> Result<Signer, NoteError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| NoteError::Random(e.to_string()))?;
        Signer::from_seed(name, seed)
    }

    /// Reads `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<Signer, NoteError> {
        let text = text.trim();
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::BadKey("a signing key starts with PRIVATE+KEY+".into()))?;
        let parts: Vec<&str> = rest.splitn(3, '+').collect();
        let [name, id, material] = parts.as_slice() else {
            return Err(NoteError::BadKey(
                "expected PRIVATE+KEY+<name>+<id>+<key>".into(),
            ));
        };
        let bytes = B64
            .decode(material)
            .map_err(|e| NoteError::BadKey(format!("key material: {e}")))?;
        let (Some(&ALG_ED25519), Ok(seed)) = (bytes.first(), <[u8; 32]>::try_from(&bytes[1..]))
        else {
            return Err(NoteError::BadKey(
                "the key material must be 0x01 and a 32-byte Ed25519 seed".into(),
            ));
        };
        let signer = Signer::from_seed(name, seed)?;
        if format!("{:08x}", signer.verifier().id()) != *id {
            return Err(NoteError::BadKey(
                "the key id does not match the key".into(),
            ));
        }
        Ok(signer)
    }

    /// The private key in the text form [`Signer::parse`] reads. Keep it secret.
    pub fn to_private_text(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.verifier().id(),
            B64.encode(material)
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The verifier for this key's note signatures (type 0x01).
    pub fn verifier(&self) -> Verifier {
        Verifier::new(&self.name, ALG_ED25519, self.public())
    }

    /// The verifier for this key's cosignatures (type 0x04).
    pub fn cosigner_verifier(&self) -> Verifier {
        Verifier::new(&self.name, ALG_COSIGNATURE_V1, self.public())
    }

    /// Signs `text` (which must end in a newline) into a signed note with one signature.
    pub fn sign_note(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }

    /// The note signature line for `text`.
    pub fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut bytes = self.verifier().id().to_be_bytes().to_vec();
        bytes.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(bytes))
    }

    /// A `cosignature/v1` signature line over a checkpoint's note `text`, at `timestamp`
    /// (POSIX seconds).
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.key.sign(cosigned_message(text, timestamp).as_bytes());
        let mut bytes = self.cosigner_verifier().id().to_be_bytes().to_vec();
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&sig.to_bytes());
        Ok(format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(bytes)))
    }
}

fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A public key that checks signatures of one type, in the C2SP `vkey` form
/// `<name>+<hex key id>+<base64(type ‖ public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    alg: u8,
    public: [u8; 32],
    id: u32,
}

impl Verifier {
    fn new(name: &str, alg: u8, public: [u8; 32]) -> Verifier {
        Verifier {
            name: name.to_string(),
            alg,
            public,
            id: key_id(name, alg, &public),
        }
    }

    /// Reads a `vkey` of type 0x01 (note signatures) or 0x04 (cosignatures).
    pub fn parse(text: &str) -> Result<Verifier, NoteError> {
        let parts: Vec<&str> = text.trim().splitn(3, '+').collect();
        let [name, id, material] = parts.as_slice() else {
            return Err(NoteError::BadKey(
                "a verifier key is <name>+<id>+<key>".into(),
            ));
        };
        check_name(name)?;
        let bytes = B64
            .decode(material)
            .map_err(|e| NoteError::BadKey(format!("key material: {e}")))?;
        let (Some(&alg), Ok(public)) = (bytes.first(), <[u8; 32]>::try_from(&bytes[1..])) else {
            return Err(NoteError::BadKey(
                "the key material must be a type byte and a 32-byte Ed25519 key".into(),
            ));
        };
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::BadKey(format!(
                "signature type {alg:#04x} is not supported (0x01 or 0x04)"
            )));
        }
        VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadKey("not an Ed25519 public key".into()))?;
        let v = Verifier::new(name, alg, public);
        if format!("{:08x}", v.id) != *id {
            return Err(NoteError::BadKey(
                "the key id does not match the key".into(),
            ));
        }
        Ok(v)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// True for a witness (cosignature) key.
    pub fn is_cosigner(&self) -> bool {
        self.alg == ALG_COSIGNATURE_V1
    }

    fn key(&self) -> Result<VerifyingKey, NoteError> {
        VerifyingKey::from_bytes(&self.public)
            .map_err(|_| NoteError::BadKey("not an Ed25519 public key".into()))
    }

    fn matching<'n>(&self, note: &'n Note) -> Vec<&'n NoteSignature> {
        note.signatures
            .iter()
            .filter(|s| s.name == self.name && s.id == self.id)
            .collect()
    }

    /// Checks a signed note: it must carry a signature by this key (type 0x01), and every
    /// signature by this key must verify. Returns the parsed note.
    pub fn verify_note(&self, text: &str) -> Result<Note, NoteError> {
        let note = Note::parse(text)?;
        if self.alg != ALG_ED25519 {
            return Err(NoteError::BadKey(
                "a cosigner key checks cosignatures, not notes".into(),
            ));
        }
        let key = self.key()?;
        let sigs = self.matching(&note);
        if sigs.is_empty() {
            return Err(NoteError::NotSigned(self.to_string()));
        }
        for s in sigs {
            let sig = Signature::from_slice(&s.signature)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            key.verify(note.text.as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
        }
        Ok(note)
    }

    /// Checks this witness's `cosignature/v1` on `note` and returns its timestamp.
    pub fn verify_cosignature(&self, note: &Note) -> Result<u64, NoteError> {
        if self.alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::BadKey(
                "cosignatures are checked with a type 0x04 key".into(),
            ));
        }
        let key = self.key()?;
        let sigs = self.matching(note);
        let Some(first) = sigs.first() else {
            return Err(NoteError::NotSigned(self.to_string()));
        };
        let mut stamp = 0;
        for s in &sigs {
            if s.signature.len() != 72 {
                return Err(NoteError::BadSignature(self.name.clone()));
            }
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&s.signature[..8]);
            let timestamp = u64::from_be_bytes(ts);
            let sig = Signature::from_slice(&s.signature[8..])
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            key.verify(cosigned_message(&note.text, timestamp).as_bytes(), &sig)
                .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
            if std::ptr::eq(*s, *first) {
                stamp = timestamp;
            }
        }
        Ok(stamp)
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut material = vec![self.alg];
        material.extend_from_slice(&self.public);
        write!(f, "{}+{:08x}+{}", self.name, self.id, B64.encode(material))
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
    /// The line as written (with its newline).
    pub line: String,
}

/// A signed note, split into its text and signature lines (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Its signature lines.
    pub signatures: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the note text must end in a newline".into(),
        ));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed(
            "control characters other than newline".into(),
        ));
    }
    Ok(())
}

impl Note {
    /// Splits a signed note at its last blank line and reads the signature lines.
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        check_text(note)?;
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
        let text = &note[..=split];
        let mut signatures = Vec::new();
        for line in note[split + 2..].split_inclusive('\n') {
            let body = line
                .strip_suffix('\n')
                .and_then(|l| l.strip_prefix(SIG_PREFIX))
                .ok_or_else(|| {
                    NoteError::Malformed(format!("not a signature line: {:?}", line.trim_end()))
                })?;
            let (name, b64) = body
                .split_once(' ')
                .ok_or_else(|| NoteError::Malformed("a signature line needs a name".into()))?;
            check_name(name).map_err(|e| NoteError::Malformed(e.to_string()))?;
            let bytes = B64
                .decode(b64)
                .map_err(|e| NoteError::Malformed(format!("signature: {e}")))?;
            if bytes.len() < 5 {
                return Err(NoteError::Malformed("signature too short".into()));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                signature: bytes[4..].to_vec(),
                line: line.to_string(),
            });
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signature lines".into()));
        }
        if signatures.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures".into()));
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note with `line` (a signature line) added unless it is already there.
    pub fn with_signature_line(&self, line: &str) -> Result<Note, NoteError> {
        let mut text = self.to_string();
        if !self.signatures.iter().any(|s| s.line == line) {
            text.push_str(line);
        }
        Note::parse(&text)
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.text)?;
        for s in &self.signatures {
            f.write_str(&s.line)?;
        }
        Ok(())
    }
}

/// A C2SP `tlog-checkpoint`: origin, tree size and root hash (and extension lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// How many leaves.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// Extension lines (none written by grantledger).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: `<origin>\n<size>\n<base64 root>\n` and any extension lines.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Reads a checkpoint's note text.
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| NoteError::NotCheckpoint("the text must end in a newline".into()))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| NoteError::NotCheckpoint("no origin line".into()))?;
        let size_line = lines
            .next()
            .ok_or_else(|| NoteError::NotCheckpoint("no tree size line".into()))?;
        let canonical = size_line == "0" || (!size_line.starts_with('0') && !size_line.is_empty());
        let size = size_line
            .parse::<u64>()
            .ok()
            .filter(|_| canonical && size_line.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                NoteError::NotCheckpoint(format!("tree size {size_line:?} is not a decimal"))
            })?;
        let root_line = lines
            .next()
            .ok_or_else(|| NoteError::NotCheckpoint("no root hash line".into()))?;
        let root: Hash = B64
            .decode(root_line)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                NoteError::NotCheckpoint("the root hash is not 32 bytes of base64".into())
            })?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::NotCheckpoint("empty extension line".into()));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Verifies `note` with `verifier` and reads its checkpoint, which must name `origin`
    /// when one is given.
    pub fn open(
        note: &str,
        verifier: &Verifier,
        origin: Option<&str>,
    ) -> Result<(Checkpoint, Note), NoteError> {
        let note = verifier.verify_note(note)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if let Some(origin) = origin {
            if checkpoint.origin != origin {
                return Err(NoteError::NotCheckpoint(format!(
                    "origin {:?} is not {origin:?}",
                    checkpoint.origin
                )));
            }
        }
        Ok((checkpoint, note))
    }
}

/// Base64 (standard, padded) of a hash, as checkpoints and proofs write it.
pub fn hash_to_base64(h: &Hash) -> String {
    B64.encode(h)
}

/// Reads a base64 hash.
pub fn hash_from_base64(text: &str) -> Option<Hash> {
    B64.decode(text).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Signer {
        Signer::from_seed("grantledger.test/log", [7u8; 32]).unwrap()
    }

    fn checkpoint(size: u64) -> String {
        Checkpoint {
            origin: "grantledger.test/log".into(),
            size,
            root: [9u8; 32],
            extensions: vec![],
        }
        .to_text()
    }

    #[test]
    fn keys_round_trip_through_their_text_forms() {
        let s = log();
        let back = Signer::parse(&s.to_private_text()).unwrap();
        assert_eq!(back.verifier(), s.verifier());
        let v = Verifier::parse(&s.verifier().to_string()).unwrap();
        assert_eq!(v, s.verifier());
        // Key material is base64, which has '+' in its alphabet.
        for i in 0..=255u8 {
            let k = Signer::from_seed("n.test/k", [i; 32]).unwrap();
            assert_eq!(
                Signer::parse(&k.to_private_text()).unwrap().verifier(),
                k.verifier()
            );
            assert_eq!(
                Verifier::parse(&k.verifier().to_string()).unwrap(),
                k.verifier()
            );
        }
        let mut wrong = s.verifier().to_string();
        wrong.replace_range(21..22, if &wrong[21..22] == "0" { "1" } else { "0" });
        assert!(Verifier::parse(&wrong).is_err());
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let note = log().sign_note(&checkpoint(5)).unwrap();
        let (c, _) =
            Checkpoint::open(&note, &log().verifier(), Some("grantledger.test/log")).unwrap();
        assert_eq!(c.size, 5);

        let other = Signer::from_seed("grantledger.test/log", [8u8; 32]).unwrap();
        assert!(matches!(
            Checkpoint::open(&note, &other.verifier(), None),
            Err(NoteError::NotSigned(_))
        ));
        // Signed with another key under the same name, relabelled with the log's key id: the
        // signature is checked and fails.
        let theirs = Note::parse(&other.sign_note(&checkpoint(5)).unwrap()).unwrap();
        let mut bytes = log().verifier().id().to_be_bytes().to_vec();
        bytes.extend_from_slice(&theirs.signatures[0].signature);
        let forged = format!(
            "{}\n\u{2014} grantledger.test/log {}\n",
            theirs.text,
            B64.encode(bytes)
        );
        assert_eq!(
            Checkpoint::open(&forged, &log().verifier(), None).unwrap_err(),
            NoteError::BadSignature("grantledger.test/log".into())
        );
    }

    #[test]
    fn a_changed_tree_size_breaks_the_signature() {
        let note = log().sign_note(&checkpoint(5)).unwrap();
        let changed = note.replacen("\n5\n", "\n6\n", 1);
        assert_ne!(changed, note);
        assert_eq!(
            Checkpoint::open(&changed, &log().verifier(), None).unwrap_err(),
            NoteError::BadSignature("grantledger.test/log".into())
        );
    }

    #[test]
    fn cosignatures_verify_over_the_timestamped_message() {
        let note = Note::parse(&log().sign_note(&checkpoint(5)).unwrap()).unwrap();
        let witness = Signer::from_seed("witness.test/w1", [3u8; 32]).unwrap();
        let line = witness.cosign(&note.text, 1_700_000_000).unwrap();
        let cosigned = note.with_signature_line(&line).unwrap();
        assert_eq!(cosigned.signatures.len(), 2);
        assert_eq!(
            witness
                .cosigner_verifier()
                .verify_cosignature(&cosigned)
                .unwrap(),
            1_700_000_000
        );
        // The log key still verifies the cosigned note.
        log().verifier().verify_note(&cosigned.to_string()).unwrap();
        // A note signature by the witness key is not a cosignature.
        assert!(witness
            .cosigner_verifier()
            .verify_cosignature(&note)
            .is_err());
    }
}
