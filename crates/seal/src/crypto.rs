//! ECDSA over the curves seals use, signatures as raw `r‖s`, the hash chosen by the curve's
//! size (ICAO 9303-13): SHA-256 for the 256-bit curves, SHA-224 for brainpoolP224r1.
//!
//! P-256 — what this platform signs with — goes through `ring`, whose verification is fast
//! enough for a gangway scanner and a bulk check alike. The brainpool curves other issuers use
//! have no such implementation at hand; they are verified by the `ec` crate's plain big-number
//! arithmetic, which is slower (milliseconds) but needs nothing secret: verification only.

use std::sync::OnceLock;

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha224, Sha256};

/// The curves a seal's signer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Curve {
    P256,
    BrainpoolP224r1,
    BrainpoolP256r1,
}

impl Curve {
    /// From the named-curve OID of a certificate's public key.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        match oid {
            "1.2.840.10045.3.1.7" => Some(Curve::P256),
            "1.3.36.3.3.2.8.1.1.5" => Some(Curve::BrainpoolP224r1),
            "1.3.36.3.3.2.8.1.1.7" => Some(Curve::BrainpoolP256r1),
            _ => None,
        }
    }

    /// The curve as `ec` verifies it; P-256 goes through `ring`.
    fn brainpool(self) -> Option<ec::Curve> {
        match self {
            Curve::P256 => None,
            Curve::BrainpoolP224r1 => Some(ec::Curve::BrainpoolP224r1),
            Curve::BrainpoolP256r1 => Some(ec::Curve::BrainpoolP256r1),
        }
    }

    /// Bytes of one coordinate, and of `r` or `s`.
    pub fn field_len(self) -> usize {
        match self {
            Curve::BrainpoolP224r1 => 28,
            Curve::P256 | Curve::BrainpoolP256r1 => 32,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the public key is not a point of {0:?} (uncompressed SEC 1 expected)")]
    NotOnCurve(Curve),
    #[error("the private key cannot be read")]
    BadPrivateKey,
    #[error("no randomness to make or use a key")]
    Random,
}

/// A signer's public key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    curve: Curve,
    /// Uncompressed SEC 1: `04 ‖ x ‖ y`.
    point: Vec<u8>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey").field("curve", &self.curve).finish_non_exhaustive()
    }
}

impl VerifyingKey {
    pub fn new(curve: Curve, sec1: &[u8]) -> Result<VerifyingKey, KeyError> {
        let n = curve.field_len();
        if sec1.len() != 1 + 2 * n || sec1[0] != 0x04 {
            return Err(KeyError::NotOnCurve(curve));
        }
        if let Some(c) = curve.brainpool()
            && !ec::on_curve(c, sec1)
        {
            return Err(KeyError::NotOnCurve(curve));
        }
        Ok(VerifyingKey { curve, point: sec1.to_vec() })
    }

    pub fn curve(&self) -> Curve {
        self.curve
    }

    pub fn sec1(&self) -> &[u8] {
        &self.point
    }

    /// Whether `signature` (raw `r‖s`) signs `message` under this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let n = self.curve.field_len();
        if signature.len() != 2 * n {
            return false;
        }
        match self.curve {
            Curve::P256 => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &self.point)
                .verify(message, signature)
                .is_ok(),
            Curve::BrainpoolP224r1 => {
                let (r, s) = signature.split_at(n);
                ec::verify(ec::Curve::BrainpoolP224r1, &self.point, &Sha224::digest(message), r, s)
            }
            Curve::BrainpoolP256r1 => {
                let (r, s) = signature.split_at(n);
                ec::verify(ec::Curve::BrainpoolP256r1, &self.point, &Sha256::digest(message), r, s)
            }
        }
    }
}

/// A P-256 private key. It cannot be printed; its PKCS #8 bytes leave only through
/// [`SigningKey::pkcs8`], for encryption at rest.
pub struct SigningKey {
    pkcs8: Vec<u8>,
    pair: EcdsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(P-256, …)")
    }
}

fn rng() -> &'static SystemRandom {
    static RNG: OnceLock<SystemRandom> = OnceLock::new();
    RNG.get_or_init(SystemRandom::new)
}

impl SigningKey {
    pub fn generate() -> Result<SigningKey, KeyError> {
        let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, rng())
            .map_err(|_| KeyError::Random)?;
        SigningKey::from_pkcs8(doc.as_ref())
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, rng())
                .map_err(|_| KeyError::BadPrivateKey)?;
        Ok(SigningKey { pkcs8: pkcs8.to_vec(), pair })
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey { curve: Curve::P256, point: self.pair.public_key().as_ref().to_vec() }
    }

    /// Raw `r‖s` over SHA-256 of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair.sign(rng(), message).map(|s| s.as_ref().to_vec()).map_err(|_| KeyError::Random)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p256_signs_and_verifies_and_rejects() {
        let key = SigningKey::generate().unwrap();
        let public = key.verifying_key();
        let sig = key.sign(b"seal").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(public.verify(b"seal", &sig));
        assert!(!public.verify(b"seam", &sig));
        assert!(!public.verify(b"seal", &sig[..63]));
        let again = SigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.verifying_key(), public);
        assert_eq!(format!("{key:?}"), "SigningKey(P-256, …)");
        assert!(VerifyingKey::new(Curve::P256, &[4; 10]).is_err());
        assert!(VerifyingKey::new(Curve::BrainpoolP256r1, &public.point).is_err());
    }
}
