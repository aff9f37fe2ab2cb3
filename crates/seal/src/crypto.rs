//! ECDSA over the curves seals use, signatures as raw `r‖s`, the hash chosen by the curve's
//! size (ICAO 9303-13): SHA-256 for the 256-bit curves, SHA-224 for brainpoolP224r1.
//!
//! P-256 — what this platform signs with — goes through `ring`, whose verification is fast
//! enough for a gangway scanner and a bulk check alike. The brainpool curves other issuers use
//! have no such implementation at hand; they are verified here with plain big-number
//! arithmetic, which is slower (milliseconds) but needs nothing secret: verification only.

use std::sync::OnceLock;

use num_bigint::BigUint;
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
        if curve != Curve::P256 {
            let c = weierstrass(curve);
            let x = BigUint::from_bytes_be(&sec1[1..=n]);
            let y = BigUint::from_bytes_be(&sec1[1 + n..]);
            if !c.on_curve(&x, &y) {
                return Err(KeyError::NotOnCurve(curve));
            }
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
                weierstrass(self.curve).verify(&self.point, &Sha224::digest(message), signature)
            }
            Curve::BrainpoolP256r1 => {
                weierstrass(self.curve).verify(&self.point, &Sha256::digest(message), signature)
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

/// A short Weierstrass curve `y² = x³ + ax + b` over the prime field `p`, with base point `g`
/// of prime order `n`.
struct Weierstrass {
    p: BigUint,
    a: BigUint,
    b: BigUint,
    g: (BigUint, BigUint),
    n: BigUint,
}

fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default()
}

fn weierstrass(curve: Curve) -> &'static Weierstrass {
    static P224: OnceLock<Weierstrass> = OnceLock::new();
    static P256: OnceLock<Weierstrass> = OnceLock::new();
    // RFC 5639, sections 3.3 and 3.4.
    match curve {
        Curve::BrainpoolP224r1 => P224.get_or_init(|| Weierstrass {
            p: hex("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF"),
            a: hex("68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43"),
            b: hex("2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B"),
            g: (
                hex("0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D"),
                hex("58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD"),
            ),
            n: hex("D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F"),
        }),
        // Only the brainpool curves come here; P-256 goes through `ring`.
        Curve::BrainpoolP256r1 | Curve::P256 => P256.get_or_init(|| Weierstrass {
            p: hex("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377"),
            a: hex("7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9"),
            b: hex("26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6"),
            g: (
                hex("8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"),
                hex("547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997"),
            ),
            n: hex("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"),
        }),
    }
}

/// A point in Jacobian coordinates; `z = 0` is the point at infinity.
#[derive(Clone)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Weierstrass {
    fn on_curve(&self, x: &BigUint, y: &BigUint) -> bool {
        let p = &self.p;
        x < p && y < p && (y * y) % p == (x * x * x + &self.a * x + &self.b) % p
    }

    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        if a >= b { a - b } else { a + &self.p - b }
    }

    fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    fn double(&self, q: &Jacobian) -> Jacobian {
        if q.z == BigUint::ZERO || q.y == BigUint::ZERO {
            return Jacobian { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
        }
        let yy = self.mul(&q.y, &q.y);
        let s = self.mul(&(&q.x * 4u8), &yy);
        let zz = self.mul(&q.z, &q.z);
        let m = (self.mul(&q.x, &q.x) * 3u8 + self.mul(&self.a, &self.mul(&zz, &zz))) % &self.p;
        let x = self.sub(&self.mul(&m, &m), &((&s * 2u8) % &self.p));
        let y = self.sub(&self.mul(&m, &self.sub(&s, &x)), &((self.mul(&yy, &yy) * 8u8) % &self.p));
        let z = self.mul(&(&q.y * 2u8), &q.z);
        Jacobian { x, y, z }
    }

    fn add(&self, a: &Jacobian, b: &Jacobian) -> Jacobian {
        if a.z == BigUint::ZERO {
            return b.clone();
        }
        if b.z == BigUint::ZERO {
            return a.clone();
        }
        let z1z1 = self.mul(&a.z, &a.z);
        let z2z2 = self.mul(&b.z, &b.z);
        let u1 = self.mul(&a.x, &z2z2);
        let u2 = self.mul(&b.x, &z1z1);
        let s1 = self.mul(&a.y, &self.mul(&b.z, &z2z2));
        let s2 = self.mul(&b.y, &self.mul(&a.z, &z1z1));
        if u1 == u2 {
            return if s1 == s2 {
                self.double(a)
            } else {
                Jacobian { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO }
            };
        }
        let h = self.sub(&u2, &u1);
        let r = self.sub(&s2, &s1);
        let hh = self.mul(&h, &h);
        let hhh = self.mul(&hh, &h);
        let v = self.mul(&u1, &hh);
        let x = self.sub(&self.sub(&self.mul(&r, &r), &hhh), &((&v * 2u8) % &self.p));
        let y = self.sub(&self.mul(&r, &self.sub(&v, &x)), &self.mul(&s1, &hhh));
        let z = self.mul(&h, &self.mul(&a.z, &b.z));
        Jacobian { x, y, z }
    }

    /// `u1·G + u2·Q`, both multiplications in one pass of doublings.
    fn double_mul(&self, u1: &BigUint, u2: &BigUint, q: &Jacobian) -> Jacobian {
        let g = Jacobian { x: self.g.0.clone(), y: self.g.1.clone(), z: BigUint::from(1u8) };
        let gq = self.add(&g, q);
        let mut acc = Jacobian { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
        let bits = u1.bits().max(u2.bits());
        for i in (0..bits).rev() {
            acc = self.double(&acc);
            match (u1.bit(i), u2.bit(i)) {
                (true, true) => acc = self.add(&acc, &gq),
                (true, false) => acc = self.add(&acc, &g),
                (false, true) => acc = self.add(&acc, q),
                (false, false) => {}
            }
        }
        acc
    }

    fn verify(&self, point: &[u8], digest: &[u8], signature: &[u8]) -> bool {
        let len = (point.len() - 1) / 2;
        let q = Jacobian {
            x: BigUint::from_bytes_be(&point[1..=len]),
            y: BigUint::from_bytes_be(&point[1 + len..]),
            z: BigUint::from(1u8),
        };
        let (r, s) = signature.split_at(signature.len() / 2);
        let (r, s) = (BigUint::from_bytes_be(r), BigUint::from_bytes_be(s));
        let n = &self.n;
        if r == BigUint::ZERO || s == BigUint::ZERO || &r >= n || &s >= n {
            return false;
        }
        // The digest's leftmost bits, as many as the order has.
        let mut e = BigUint::from_bytes_be(digest);
        let (dbits, nbits) = (digest.len() as u64 * 8, n.bits());
        if dbits > nbits {
            e >>= dbits - nbits;
        }
        let w = s.modpow(&(n - 2u8), n);
        let u1 = (e * &w) % n;
        let u2 = (&r * &w) % n;
        let x = self.double_mul(&u1, &u2, &q);
        if x.z == BigUint::ZERO {
            return false;
        }
        let zinv = x.z.modpow(&(&self.p - 2u8), &self.p);
        let ax = self.mul(&x.x, &self.mul(&zinv, &zinv));
        ax % n == r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brainpool_parameters_hold_together() {
        for curve in [Curve::BrainpoolP224r1, Curve::BrainpoolP256r1] {
            let c = weierstrass(curve);
            assert!(c.on_curve(&c.g.0, &c.g.1), "{curve:?}: G is on the curve");
            // n·G is the point at infinity: (n-1)·G + G adds a point to its negation.
            let g = Jacobian { x: c.g.0.clone(), y: c.g.1.clone(), z: BigUint::from(1u8) };
            let zero = Jacobian { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
            let n1 = c.double_mul(&(&c.n - 1u8), &BigUint::ZERO, &zero);
            assert!(c.add(&n1, &g).z == BigUint::ZERO, "{curve:?}: n·G = O");
        }
    }

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
