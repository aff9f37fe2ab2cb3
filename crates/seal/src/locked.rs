//! Private keys at rest: encrypted under a passphrase, never stored or printed in the clear.
//!
//! `BPK1` ‖ salt (16) ‖ nonce (12) ‖ ChaCha20-Poly1305 ciphertext of the PKCS #8 key, under a
//! key drawn from the passphrase with Argon2id. The four-byte label is authenticated too, so a
//! blob cannot be passed off as another format.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::SigningKey;

const LABEL: &[u8; 4] = b"BPK1";

/// The passphrase, which cannot be printed.
pub struct Passphrase(String);

impl Passphrase {
    /// At least 12 characters: it guards every signer's key.
    pub fn new(s: String) -> Result<Passphrase, LockError> {
        if s.chars().count() < 12 {
            return Err(LockError::WeakPassphrase);
        }
        Ok(Passphrase(s))
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    #[error("the key passphrase has fewer than 12 characters")]
    WeakPassphrase,
    #[error("the key cannot be opened: a wrong passphrase, or the stored key is damaged")]
    WrongPassphraseOrDamaged,
    #[error("no randomness to lock the key with")]
    Random,
}

fn cipher(passphrase: &Passphrase, salt: &[u8]) -> Result<LessSafeKey, LockError> {
    // OWASP's Argon2id setting: 19 MiB, two passes.
    let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(|_| LockError::Random)?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.0.as_bytes(), salt, &mut key)
        .map_err(|_| LockError::Random)?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &key).map_err(|_| LockError::Random)?;
    Ok(LessSafeKey::new(unbound))
}

/// Encrypts a signing key for storage.
pub fn lock(key: &SigningKey, passphrase: &Passphrase) -> Result<Vec<u8>, LockError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rng.fill(&mut salt).map_err(|_| LockError::Random)?;
    rng.fill(&mut nonce).map_err(|_| LockError::Random)?;
    let mut data = key.pkcs8().to_vec();
    cipher(passphrase, &salt)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(LABEL), &mut data)
        .map_err(|_| LockError::Random)?;
    Ok([&LABEL[..], &salt, &nonce, &data].concat())
}

/// Opens a stored key.
pub fn unlock(blob: &[u8], passphrase: &Passphrase) -> Result<SigningKey, LockError> {
    let bad = LockError::WrongPassphraseOrDamaged;
    if blob.len() < 4 + 16 + 12 + 16 || &blob[..4] != LABEL {
        return Err(bad);
    }
    let (salt, rest) = blob[4..].split_at(16);
    let (nonce, sealed) = rest.split_at(12);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad.clone())?;
    let mut data = sealed.to_vec();
    let plain = cipher(passphrase, salt)?
        .open_in_place(nonce, Aad::from(LABEL), &mut data)
        .map_err(|_| bad.clone())?;
    SigningKey::from_pkcs8(plain).map_err(|_| bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_key_opens_with_its_passphrase_only() {
        let key = SigningKey::generate().unwrap();
        let pass = Passphrase::new("correct horse battery staple".into()).unwrap();
        let blob = lock(&key, &pass).unwrap();
        assert!(!blob.windows(16).any(|w| key.pkcs8().windows(16).any(|k| k == w)));
        let back = unlock(&blob, &pass).unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
        let wrong = Passphrase::new("incorrect horse battery".into()).unwrap();
        assert_eq!(unlock(&blob, &wrong).unwrap_err(), LockError::WrongPassphraseOrDamaged);
        let mut damaged = blob.clone();
        damaged[40] ^= 1;
        assert!(unlock(&damaged, &pass).is_err());
        assert!(unlock(&blob[..20], &pass).is_err());
        assert_eq!(Passphrase::new("short".into()).unwrap_err(), LockError::WeakPassphrase);
        assert_eq!(format!("{pass:?}"), "Passphrase(…)");
    }
}
