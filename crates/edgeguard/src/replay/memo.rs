//! A signature verifier that remembers its answers, for replaying logs.
//!
//! Access logs repeat the same credentials many times: a video player fetches hundreds of
//! ranges of one signed URL, and signed cookies ride on every request of a session. The
//! result of checking a signature depends only on the key, the digest, the signed bytes and
//! the signature, so it can be remembered; time, IP and resource checks still run per request
//! (they are outside the verifier seam). Only the edge of the pipeline changes: the decision is
//! the guard's own.

use crate::signed::{HashAlgorithm, PublicKey, SignatureVerifier};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Wraps a verifier and remembers up to `capacity` results (then starts afresh).
#[derive(Debug)]
pub struct MemoVerifier<V> {
    inner: V,
    capacity: usize,
    seen: Mutex<HashMap<[u8; 32], bool>>,
}

impl<V: SignatureVerifier> MemoVerifier<V> {
    /// Remembers the answers of `inner`, at most `capacity` of them at a time.
    pub fn new(inner: V, capacity: usize) -> Self {
        MemoVerifier {
            inner,
            capacity: capacity.max(1),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// A collision-resistant name for one question to the verifier.
    fn fingerprint(
        key: &PublicKey,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [key.spki_pem().as_bytes(), message, signature] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.update([match hash {
            HashAlgorithm::Sha1 => 1u8,
            HashAlgorithm::Sha256 => 2u8,
        }]);
        h.finalize().into()
    }
}

impl<V: SignatureVerifier> SignatureVerifier for MemoVerifier<V> {
    fn verify(
        &self,
        key: &PublicKey,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let id = Self::fingerprint(key, hash, message, signature);
        let lock = || self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = lock().get(&id) {
            return *known;
        }
        let valid = self.inner.verify(key, hash, message, signature);
        let mut seen = lock();
        if seen.len() >= self.capacity {
            seen.clear();
        }
        seen.insert(id, valid);
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers "valid" for signatures starting with `v`, counting the questions.
    struct Counting(AtomicUsize);

    impl SignatureVerifier for Counting {
        fn verify(&self, _: &PublicKey, _: HashAlgorithm, _: &[u8], signature: &[u8]) -> bool {
            self.0.fetch_add(1, Ordering::Relaxed);
            signature.first() == Some(&b'v')
        }
    }

    fn key() -> PublicKey {
        let pem = std::fs::read_to_string(concat!(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
            "/keys/K2JCJMDEHXQW5F.pem"
        ))
        .unwrap();
        PublicKey::from_pem(&pem).unwrap()
    }

    #[test]
    fn a_repeated_question_is_answered_from_memory_with_the_same_answer() {
        let memo = MemoVerifier::new(Counting(AtomicUsize::new(0)), 10);
        let k = key();
        for _ in 0..3 {
            assert!(memo.verify(&k, HashAlgorithm::Sha1, b"policy", b"valid"));
            assert!(!memo.verify(&k, HashAlgorithm::Sha1, b"policy", b"bad"));
        }
        assert_eq!(memo.inner.0.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn any_difference_is_a_new_question() {
        let memo = MemoVerifier::new(Counting(AtomicUsize::new(0)), 10);
        let k = key();
        memo.verify(&k, HashAlgorithm::Sha1, b"policy", b"v1");
        memo.verify(&k, HashAlgorithm::Sha256, b"policy", b"v1");
        memo.verify(&k, HashAlgorithm::Sha1, b"policy2", b"v1");
        memo.verify(&k, HashAlgorithm::Sha1, b"policy", b"v2");
        // Length-prefixed parts: moving a byte from message to signature is another question.
        memo.verify(&k, HashAlgorithm::Sha1, b"polic", b"yv1");
        assert_eq!(memo.inner.0.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn memory_is_bounded() {
        let memo = MemoVerifier::new(Counting(AtomicUsize::new(0)), 4);
        let k = key();
        for i in 0..100u8 {
            memo.verify(&k, HashAlgorithm::Sha1, &[i], b"v");
        }
        assert!(memo.seen.lock().unwrap().len() <= 4);
    }
}
