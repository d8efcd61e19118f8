//! A transparency log's pure parts, with no I/O: RFC 9162 Merkle tree hashing, inclusion and
//! consistency proofs (produced from stored complete-subtree hashes, verified as RFC 9162
//! §2.1.3.2 and §2.1.4.2 say), and the C2SP formats around them: `signed-note` with Ed25519,
//! `tlog-checkpoint` and `tlog-cosignature` (Ed25519, `cosignature/v1`).
//!
//! `api-spec/transparency.md` specifies how grantledger uses these; the store keeps the leaves
//! and subtree hashes (`store::tlog`).

pub mod merkle;
pub mod note;

pub use merkle::{
    consistency_plan, empty_root, fold, inclusion_plan, leaf_hash, node_hash, range_nodes, root_of,
    verify_consistency, verify_inclusion, Frontier, Hash, MissingNode, Node, Plan, ProofError,
};
pub use note::{
    hash_from_base64, hash_to_base64, Checkpoint, Note, NoteError, NoteSignature, Signer, Verifier,
};
