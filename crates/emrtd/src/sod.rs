//! EF.SOD, the Document Security Object (Doc 9303-10 §4.6.2, 9303-12 §4.6): a CMS SignedData
//! (RFC 5652) whose content is the LDS security object, the hashes of the data groups, signed by
//! the Document Signer whose certificate it carries.

use std::collections::BTreeMap;

use crate::tlv::{Reader, Tlv, TlvError, oid_text, single, small_uint};

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";

/// Why a SOD cannot be read or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodError {
    #[error("the SOD cannot be read: {0}")]
    Unreadable(#[from] TlvError),
    #[error("the SOD uses {0}, which is not supported")]
    Unsupported(String),
}

/// A hash function the LDS names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn from_oid(oid: &str) -> Option<DigestAlgorithm> {
        Some(match oid {
            "1.3.14.3.2.26" => DigestAlgorithm::Sha1,
            "2.16.840.1.101.3.4.2.4" => DigestAlgorithm::Sha224,
            "2.16.840.1.101.3.4.2.1" => DigestAlgorithm::Sha256,
            "2.16.840.1.101.3.4.2.2" => DigestAlgorithm::Sha384,
            "2.16.840.1.101.3.4.2.3" => DigestAlgorithm::Sha512,
            _ => return None,
        })
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            DigestAlgorithm::Sha1 => {
                ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
                    .as_ref()
                    .to_vec()
            }
            DigestAlgorithm::Sha224 => sha2::Sha224::digest(data).to_vec(),
            DigestAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            DigestAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
            DigestAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// A SOD read: what passive authentication needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sod {
    /// The hash of each data group, by its number.
    pub hashes: BTreeMap<u8, Vec<u8>>,
    pub hash_algorithm: DigestAlgorithm,
    /// The LDS security object's bytes, as signed (what `messageDigest` is the hash of).
    pub content: Vec<u8>,
    /// The signer's digest algorithm, and the signed attributes as they are signed (re-tagged
    /// as a SET), with the message digest they carry; `None` when the signer signed the content
    /// itself.
    pub signer_digest: DigestAlgorithm,
    pub signed_attributes: Option<Vec<u8>>,
    pub message_digest: Option<Vec<u8>>,
    /// The signature algorithm's OID and parameters (DER), and the signature.
    pub signature_algorithm: String,
    pub signature_parameters: Option<Vec<u8>>,
    pub signature: Vec<u8>,
    /// The certificates it carries (DER): the Document Signer's among them.
    pub certificates: Vec<Vec<u8>>,
}

fn oid(t: Tlv<'_>, what: &str) -> Result<String, TlvError> {
    let t = t.expect(0x06, what)?;
    oid_text(t.value)
        .ok_or_else(|| TlvError::new(t.offset, format!("{what} is not an object identifier")))
}

/// An AlgorithmIdentifier: its OID and its parameters' DER, if any (a NULL counts as none).
fn algorithm(t: Tlv<'_>, what: &str) -> Result<(String, Option<Vec<u8>>), TlvError> {
    let t = t.expect(0x30, what)?;
    let mut r = t.children();
    let id = oid(r.next_required(what)?, what)?;
    let params = r.next_tlv()?.filter(|p| p.tag != 0x05).map(|p| p.raw.to_vec());
    Ok((id, params))
}

fn digest_of(oid: &str) -> Result<DigestAlgorithm, SodError> {
    DigestAlgorithm::from_oid(oid)
        .ok_or_else(|| SodError::Unsupported(format!("digest algorithm {oid}")))
}

impl Sod {
    /// EF.SOD's bytes (tag 77), or the bare CMS ContentInfo.
    pub fn read(bytes: &[u8]) -> Result<Sod, SodError> {
        let outer = single(bytes, "EF.SOD")?;
        let info =
            if outer.tag == 0x77 { single(outer.value, "the SOD's ContentInfo")? } else { outer };
        let info = info.expect(0x30, "a CMS ContentInfo")?;
        let mut r = info.children();
        let kind = oid(r.next_required("the content type")?, "the content type")?;
        if kind != SIGNED_DATA {
            return Err(SodError::Unsupported(format!("CMS content {kind} (SignedData expected)")));
        }
        let explicit = r.next_required("the SignedData")?.expect(0xA0, "the SignedData")?;
        let signed = single(explicit.value, "the SignedData")?.expect(0x30, "the SignedData")?;
        let mut s = signed.children();
        s.next_required("the SignedData's version")?.expect(0x02, "the version")?;
        s.next_required("the digest algorithms")?.expect(0x31, "the digest algorithms")?;
        let encap = s
            .next_required("the encapsulated content")?
            .expect(0x30, "the encapsulated content")?;
        let mut e = encap.children();
        let econtent_type = oid(e.next_required("the content's type")?, "the content's type")?;
        if econtent_type != LDS_SECURITY_OBJECT {
            return Err(SodError::Unsupported(format!(
                "content {econtent_type} (the LDS security object expected)"
            )));
        }
        let wrapped = e.next_required("the content")?.expect(0xA0, "the content")?;
        let content = single(wrapped.value, "the content")?.expect(0x04, "the content's octets")?;
        let (hash_algorithm, hashes) = read_lds_security_object(content.value)?;

        let mut certificates = Vec::new();
        if let Some(certs) = s.next_if(0xA0)? {
            let mut c = certs.children();
            while let Some(cert) = c.next_tlv()? {
                certificates.push(cert.expect(0x30, "a certificate")?.raw.to_vec());
            }
        }
        let _crls = s.next_if(0xA1)?;
        let signer_infos = s.next_required("the signer infos")?.expect(0x31, "the signer infos")?;
        let mut infos = signer_infos.children();
        let info = infos.next_required("a signer info")?.expect(0x30, "a signer info")?;
        if infos.next_tlv()?.is_some() {
            return Err(SodError::Unsupported("more than one signer".into()));
        }
        let mut si = info.children();
        si.next_required("the signer's version")?.expect(0x02, "the signer's version")?;
        si.next_required("the signer's identifier")?;
        let (digest_oid, _) = algorithm(
            si.next_required("the signer's digest algorithm")?,
            "the signer's digest algorithm",
        )?;
        let signer_digest = digest_of(&digest_oid)?;
        let (mut signed_attributes, mut message_digest) = (None, None);
        if let Some(attrs) = si.next_if(0xA0)? {
            // Signed as a SET OF, not as the [0] it is stored under.
            let mut der = attrs.raw.to_vec();
            der[0] = 0x31;
            let mut a = attrs.children();
            let mut content_type_ok = false;
            while let Some(attr) = a.next_tlv()? {
                let attr = attr.expect(0x30, "an attribute")?;
                let mut ar = attr.children();
                let kind = oid(ar.next_required("an attribute's type")?, "an attribute's type")?;
                let values = ar
                    .next_required("an attribute's values")?
                    .expect(0x31, "an attribute's values")?;
                let value = single(values.value, "an attribute's value")?;
                match kind.as_str() {
                    MESSAGE_DIGEST => {
                        message_digest =
                            Some(value.expect(0x04, "the message digest")?.value.to_vec())
                    }
                    CONTENT_TYPE => {
                        content_type_ok = oid(value, "the content type")? == LDS_SECURITY_OBJECT
                    }
                    _ => {}
                }
            }
            if message_digest.is_none() || !content_type_ok {
                return Err(TlvError::new(
                    attrs.offset,
                    "signed attributes without the message digest or the LDS content type",
                )
                .into());
            }
            signed_attributes = Some(der);
        }
        let (signature_algorithm, signature_parameters) =
            algorithm(si.next_required("the signature algorithm")?, "the signature algorithm")?;
        let signature =
            si.next_required("the signature")?.expect(0x04, "the signature")?.value.to_vec();
        Ok(Sod {
            hashes,
            hash_algorithm,
            content: content.value.to_vec(),
            signer_digest,
            signed_attributes,
            message_digest,
            signature_algorithm,
            signature_parameters,
            signature,
            certificates,
        })
    }

    /// What the signature signs: the signed attributes, or the content itself.
    pub fn signed_bytes(&self) -> &[u8] {
        self.signed_attributes.as_deref().unwrap_or(&self.content)
    }

    /// Whether the signed attributes' message digest is the content's hash.
    pub fn content_digest_holds(&self) -> bool {
        match &self.message_digest {
            Some(d) => *d == self.signer_digest.digest(&self.content),
            None => true,
        }
    }

    /// The data groups whose hash is not the SOD's, by number; and those the SOD lists that
    /// were not given. `groups`: (number, the file's bytes).
    pub fn check_hashes<'a>(&self, groups: impl IntoIterator<Item = (u8, &'a [u8])>) -> HashCheck {
        let mut out = HashCheck::default();
        for (n, bytes) in groups {
            match self.hashes.get(&n) {
                Some(h) if *h == self.hash_algorithm.digest(bytes) => out.matched.push(n),
                Some(_) => out.mismatched.push(n),
                None => out.unlisted.push(n),
            }
        }
        out
    }
}

/// The data groups as the SOD's hashes judge them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashCheck {
    pub matched: Vec<u8>,
    pub mismatched: Vec<u8>,
    /// Given, but not in the SOD.
    pub unlisted: Vec<u8>,
}

fn read_lds_security_object(
    bytes: &[u8],
) -> Result<(DigestAlgorithm, BTreeMap<u8, Vec<u8>>), SodError> {
    let lso = single(bytes, "the LDS security object")?.expect(0x30, "the LDS security object")?;
    let mut r: Reader<'_> = lso.children();
    r.next_required("its version")?.expect(0x02, "its version")?;
    let (alg, _) = algorithm(r.next_required("its hash algorithm")?, "its hash algorithm")?;
    let alg = digest_of(&alg)?;
    let list =
        r.next_required("the data groups' hashes")?.expect(0x30, "the data groups' hashes")?;
    let mut hashes = BTreeMap::new();
    let mut l = list.children();
    while let Some(item) = l.next_tlv()? {
        let item = item.expect(0x30, "a data group's hash")?;
        let mut ir = item.children();
        let n = ir.next_required("a data group's number")?.expect(0x02, "a data group's number")?;
        let number = small_uint(n.value)
            .and_then(|v| u8::try_from(v).ok())
            .filter(|v| (1..=16).contains(v))
            .ok_or_else(|| TlvError::new(n.offset, "a data group number outside 1–16"))?;
        let h = ir
            .next_required("a data group's hash value")?
            .expect(0x04, "a data group's hash value")?;
        if hashes.insert(number, h.value.to_vec()).is_some() {
            return Err(TlvError::new(item.offset, format!("DG{number} listed twice")).into());
        }
    }
    Ok((alg, hashes))
}
