//! ECDSA verification on the short Weierstrass curves `ring` does not cover: the brainpool
//! curves (RFC 5639) that many states' passports and seals are signed on, and NIST P-521. Plain
//! big-number arithmetic: slower than `ring` (milliseconds), but verification needs nothing
//! secret, so no constant time is owed. The curves' parameters are those `openssl ecparam
//! -param_enc explicit` prints; a test checks that each holds together.

#![forbid(unsafe_code)]

use std::sync::OnceLock;

use num_bigint::BigUint;

/// The curves verified here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    BrainpoolP224r1,
    BrainpoolP256r1,
    BrainpoolP320r1,
    BrainpoolP384r1,
    BrainpoolP512r1,
    P521,
}

impl Curve {
    pub const ALL: &[Curve] = &[
        Curve::BrainpoolP224r1,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP320r1,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
        Curve::P521,
    ];

    /// From the named-curve OID of a public key.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        match oid {
            "1.3.36.3.3.2.8.1.1.5" => Some(Curve::BrainpoolP224r1),
            "1.3.36.3.3.2.8.1.1.7" => Some(Curve::BrainpoolP256r1),
            "1.3.36.3.3.2.8.1.1.9" => Some(Curve::BrainpoolP320r1),
            "1.3.36.3.3.2.8.1.1.11" => Some(Curve::BrainpoolP384r1),
            "1.3.36.3.3.2.8.1.1.13" => Some(Curve::BrainpoolP512r1),
            "1.3.132.0.35" => Some(Curve::P521),
            _ => None,
        }
    }

    /// Bytes of one coordinate, and of `r` or `s` in a raw signature.
    pub fn field_len(self) -> usize {
        (weierstrass(self).p.bits() as usize).div_ceil(8)
    }
}

/// Whether `sec1` (uncompressed: `04 ‖ x ‖ y`) is a point of the curve.
pub fn on_curve(curve: Curve, sec1: &[u8]) -> bool {
    let n = curve.field_len();
    if sec1.len() != 1 + 2 * n || sec1[0] != 0x04 {
        return false;
    }
    let x = BigUint::from_bytes_be(&sec1[1..=n]);
    let y = BigUint::from_bytes_be(&sec1[1 + n..]);
    weierstrass(curve).on_curve(&x, &y)
}

/// Whether `(r, s)` (big-endian integers) sign `digest` under the public key `sec1`. A key that
/// is not a point of the curve never verifies.
pub fn verify(curve: Curve, sec1: &[u8], digest: &[u8], r: &[u8], s: &[u8]) -> bool {
    on_curve(curve, sec1) && weierstrass(curve).verify(sec1, digest, r, s)
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
    static BRAINPOOLP224R1: OnceLock<Weierstrass> = OnceLock::new();
    static BRAINPOOLP256R1: OnceLock<Weierstrass> = OnceLock::new();
    static BRAINPOOLP320R1: OnceLock<Weierstrass> = OnceLock::new();
    static BRAINPOOLP384R1: OnceLock<Weierstrass> = OnceLock::new();
    static BRAINPOOLP512R1: OnceLock<Weierstrass> = OnceLock::new();
    static P521: OnceLock<Weierstrass> = OnceLock::new();
    match curve {
        Curve::BrainpoolP224r1 => BRAINPOOLP224R1.get_or_init(|| Weierstrass {
            p: hex("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF"),
            a: hex("68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43"),
            b: hex("2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B"),
            g: (
                hex("0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D"),
                hex("58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD"),
            ),
            n: hex("D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F"),
        }),
        Curve::BrainpoolP256r1 => BRAINPOOLP256R1.get_or_init(|| Weierstrass {
            p: hex("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377"),
            a: hex("7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9"),
            b: hex("26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6"),
            g: (
                hex("8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262"),
                hex("547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997"),
            ),
            n: hex("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7"),
        }),
        Curve::BrainpoolP320r1 => BRAINPOOLP320R1.get_or_init(|| Weierstrass {
            p: hex("D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27"),
            a: hex("3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4"),
            b: hex("520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6"),
            g: (
                hex("43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611"),
                hex("14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1"),
            ),
            n: hex("D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311"),
        }),
        Curve::BrainpoolP384r1 => BRAINPOOLP384R1.get_or_init(|| Weierstrass {
            p: hex("8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53"),
            a: hex("7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826"),
            b: hex("4A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11"),
            g: (
                hex("1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E"),
                hex("8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315"),
            ),
            n: hex("8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565"),
        }),
        Curve::BrainpoolP512r1 => BRAINPOOLP512R1.get_or_init(|| Weierstrass {
            p: hex("AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3"),
            a: hex("7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA"),
            b: hex("3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723"),
            g: (
                hex("81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822"),
                hex("7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892"),
            ),
            n: hex("AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069"),
        }),
        Curve::P521 => P521.get_or_init(|| Weierstrass {
            p: hex("1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
            a: hex("1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC"),
            b: hex("51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00"),
            g: (
                hex("00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66"),
                hex("011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650"),
            ),
            n: hex("1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409"),
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

    fn verify(&self, point: &[u8], digest: &[u8], r: &[u8], s: &[u8]) -> bool {
        let len = (point.len() - 1) / 2;
        let q = Jacobian {
            x: BigUint::from_bytes_be(&point[1..=len]),
            y: BigUint::from_bytes_be(&point[1 + len..]),
            z: BigUint::from(1u8),
        };
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
    fn every_curves_parameters_hold_together() {
        for &curve in Curve::ALL {
            let c = weierstrass(curve);
            assert!(c.on_curve(&c.g.0, &c.g.1), "{curve:?}: G is on the curve");
            // n·G is the point at infinity: (n-1)·G + G adds a point to its negation.
            let g = Jacobian { x: c.g.0.clone(), y: c.g.1.clone(), z: BigUint::from(1u8) };
            let zero = Jacobian { x: BigUint::ZERO, y: BigUint::from(1u8), z: BigUint::ZERO };
            let n1 = c.double_mul(&(&c.n - 1u8), &BigUint::ZERO, &zero);
            assert!(c.add(&n1, &g).z == BigUint::ZERO, "{curve:?}: n·G = O");
        }
        assert_eq!(Curve::P521.field_len(), 66);
        assert_eq!(Curve::BrainpoolP320r1.field_len(), 40);
    }

    #[test]
    fn a_point_off_the_curve_never_verifies() {
        let c = Curve::BrainpoolP256r1;
        let w = weierstrass(c);
        let mut sec1 = vec![4u8];
        sec1.extend(w.g.0.to_bytes_be());
        sec1.extend(w.g.1.to_bytes_be());
        assert!(on_curve(c, &sec1));
        let last = sec1.len() - 1;
        sec1[last] ^= 1;
        assert!(!on_curve(c, &sec1));
        assert!(!verify(c, &sec1, &[1; 32], &[1], &[1]));
        assert!(!on_curve(c, &[4; 10]));
    }
}
