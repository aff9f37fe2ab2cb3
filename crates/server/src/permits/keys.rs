//! The platform's signing keys: made by `bienphong keys init`, rotated per checkpoint, opened
//! with the operator's passphrase when the server starts, and the revocation lists signed anew
//! whenever a permit is revoked. Private keys leave the store only locked, and the server only
//! as signatures.

use domain::CheckpointCode;
use seal::Certificate;
use seal::SigningKey;
use seal::TrustStore;
use seal::locked::LockError;
use seal::locked::Passphrase;
use seal::pki;
use seal::pki::PkiError;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use store::Store;
use store::permit::KeyRole;
use store::permit::NewSigningKey;
use store::permit::RevocationListRecord;
use store::permit::RevocationScope;
use time::Duration;
use time::OffsetDateTime;

/// The environment variable the passphrase comes from.
pub const PASSPHRASE_VAR: &str = "BIENPHONG_KEY_PASSPHRASE";

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("no keys yet: run `bienphong keys init` first")]
    NotInitialised,
    #[error("{PASSPHRASE_VAR} is not set: it holds the passphrase the keys are locked with")]
    NoPassphrase,
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("a stored certificate: {0}")]
    Certificate(#[from] seal::CertError),
    #[error("checkpoint {0} has no signer")]
    NoSigner(CheckpointCode),
    #[error("writing {path}: {source}")]
    Write { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Reads the passphrase from the environment.
pub fn passphrase_from_env() -> Result<Passphrase, KeysError> {
    let value = std::env::var(PASSPHRASE_VAR).unwrap_or_default();
    if value.is_empty() {
        return Err(KeysError::NoPassphrase);
    }
    Ok(Passphrase::new(value)?)
}

const ROOT_YEARS: i64 = 20;

/// A signer signs for a while and its permits live at most a year after: its certificate
/// outlives its use.
const SIGNER_YEARS: i64 = 5;

const LIST_DAYS: i64 = 7;

/// A checkpoint's current signer, unlocked.
#[derive(Debug)]
pub struct Signer {
    pub key_id: i64,
    /// `VN01`.
    pub identifier: String,
    /// The certificate's serial: the seal's certificate reference.
    pub serial: String,
    pub key: SigningKey,
}

/// Everything unlocked the server needs to issue and revoke.
#[derive(Debug)]
pub struct Keyring {
    root_certificate: Vec<u8>,
    root_key: SigningKey,
    signers: HashMap<CheckpointCode, Signer>,
}

impl Keyring {
    pub fn signer(&self, checkpoint: &CheckpointCode) -> Result<&Signer, KeysError> {
        self.signers.get(checkpoint).ok_or_else(|| KeysError::NoSigner(checkpoint.clone()))
    }
}

/// Two base-36 characters after `VN`, in the order signers were first made: stable, as a
/// header names its signer by them for years.
fn identifier(n: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let n = n % (36 * 36);
    format!("VN{}{}", DIGITS[n / 36] as char, DIGITS[n % 36] as char)
}

fn new_signer(
    root_certificate: &[u8],
    root_key: &SigningKey,
    checkpoint: &CheckpointCode,
    identifier: &str,
    passphrase: &Passphrase,
    now: OffsetDateTime,
) -> Result<NewSigningKey, KeysError> {
    let key = SigningKey::generate().map_err(|e| PkiError::Invalid(e.to_string()))?;
    let serial = pki::random_serial(4)?;
    let certificate = pki::signer_certificate(
        root_certificate,
        root_key,
        &key,
        &identifier[..2],
        &identifier[2..],
        &serial,
        now - Duration::minutes(5),
        now + Duration::days(365 * SIGNER_YEARS),
    )?;
    Ok(NewSigningKey {
        role: KeyRole::Signer,
        checkpoint: Some(checkpoint.clone()),
        signer_identifier: identifier.to_string(),
        serial,
        certificate,
        locked_key: seal::locked::lock(&key, passphrase)?,
    })
}

/// What `keys init` did.
#[derive(Debug, Default)]
pub struct InitReport {
    pub root_created: bool,
    pub signers_created: usize,
    pub signers_existing: usize,
}

/// Makes the root if there is none, and a signer for every checkpoint without one; signs the
/// first (empty) revocation lists. Running it again adds only what is missing.
pub async fn init<S: Store>(
    store: &S,
    passphrase: &Passphrase,
    now: OffsetDateTime,
) -> Result<InitReport, KeysError> {
    let mut report = InitReport::default();
    let keys = store.signing_keys().await?;
    let (root_certificate, root_key) = match keys.iter().find(|k| k.role == KeyRole::Root) {
        Some(r) => (r.certificate.clone(), seal::locked::unlock(&r.locked_key, passphrase)?),
        None => {
            let key = SigningKey::generate().map_err(|e| PkiError::Invalid(e.to_string()))?;
            let certificate = pki::root_certificate(
                &key,
                "Bien phong barcode root",
                now - Duration::minutes(5),
                now + Duration::days(365 * ROOT_YEARS),
            )?;
            let record = NewSigningKey {
                role: KeyRole::Root,
                checkpoint: None,
                signer_identifier: "ROOT".into(),
                serial: "1".into(),
                certificate: certificate.clone(),
                locked_key: seal::locked::lock(&key, passphrase)?,
            };
            store.add_signing_key(&record, now).await?;
            report.root_created = true;
            (certificate, key)
        }
    };
    let mut with_signer: Vec<CheckpointCode> = Vec::new();
    let mut identifiers: Vec<String> = Vec::new();
    for k in keys.iter().filter(|k| k.role == KeyRole::Signer) {
        if let Some(c) = &k.checkpoint {
            with_signer.push(c.clone());
        }
        if !identifiers.contains(&k.signer_identifier) {
            identifiers.push(k.signer_identifier.clone());
        }
    }
    let mut checkpoints = store.checkpoints().await?;
    checkpoints.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    for cp in checkpoints {
        if with_signer.contains(&cp.code) {
            report.signers_existing += 1;
            continue;
        }
        let id = identifier(identifiers.len() + 1);
        let signer = new_signer(&root_certificate, &root_key, &cp.code, &id, passphrase, now)?;
        store.add_signing_key(&signer, now).await?;
        identifiers.push(id);
        report.signers_created += 1;
    }
    for scope in [RevocationScope::Certificates, RevocationScope::Permits] {
        if store.revocation_list(scope).await?.is_none() {
            sign_list(store, &root_certificate, &root_key, scope, now).await?;
        }
    }
    Ok(report)
}

/// Retires the checkpoint's signer and makes its successor under the same identifier. What
/// the old one signed still verifies: its certificate stays in the trust store.
pub async fn rotate<S: Store>(
    store: &S,
    passphrase: &Passphrase,
    checkpoint: &CheckpointCode,
    now: OffsetDateTime,
) -> Result<String, KeysError> {
    let keys = store.signing_keys().await?;
    let root = keys.iter().find(|k| k.role == KeyRole::Root).ok_or(KeysError::NotInitialised)?;
    let root_key = seal::locked::unlock(&root.locked_key, passphrase)?;
    let current = keys
        .iter()
        .find(|k| k.checkpoint.as_ref() == Some(checkpoint) && k.retired_at.is_none())
        .ok_or_else(|| KeysError::NoSigner(checkpoint.clone()))?;
    let successor = new_signer(
        &root.certificate,
        &root_key,
        checkpoint,
        &current.signer_identifier,
        passphrase,
        now,
    )?;
    let reference = format!("{}{}", successor.signer_identifier, successor.serial);
    store.rotate_signing_key(current.id, &successor, now).await?;
    Ok(reference)
}

/// Opens the root and every current signer.
pub async fn unlock<S: Store>(store: &S, passphrase: &Passphrase) -> Result<Keyring, KeysError> {
    let keys = store.signing_keys().await?;
    let root = keys.iter().find(|k| k.role == KeyRole::Root).ok_or(KeysError::NotInitialised)?;
    let root_key = seal::locked::unlock(&root.locked_key, passphrase)?;
    let mut signers = HashMap::new();
    for k in keys.iter().filter(|k| k.role == KeyRole::Signer && k.retired_at.is_none()) {
        let Some(cp) = &k.checkpoint else { continue };
        signers.insert(
            cp.clone(),
            Signer {
                key_id: k.id,
                identifier: k.signer_identifier.clone(),
                serial: k.serial.clone(),
                key: seal::locked::unlock(&k.locked_key, passphrase)?,
            },
        );
    }
    Ok(Keyring { root_certificate: root.certificate.clone(), root_key, signers })
}

async fn sign_list<S: Store>(
    store: &S,
    root_certificate: &[u8],
    root_key: &SigningKey,
    scope: RevocationScope,
    now: OffsetDateTime,
) -> Result<RevocationListRecord, KeysError> {
    let serials = match scope {
        RevocationScope::Permits => store.revoked_permits().await?,
        // Signers are retired, not revoked, so far: the list is there to be honoured when one is.
        RevocationScope::Certificates => Vec::new(),
    };
    let number = store.revocation_list(scope).await?.map_or(1, |l| l.number + 1);
    let der = pki::revocation_list(
        root_certificate,
        root_key,
        &serials,
        number as u64,
        now,
        now + Duration::days(LIST_DAYS),
    )?;
    let record = RevocationListRecord { number, der, issued_at: now };
    store.put_revocation_list(scope, &record).await?;
    Ok(record)
}

/// Signs and stores the permits' revocation list as it stands now.
pub async fn publish_permit_revocations<S: Store>(
    store: &S,
    keyring: &Keyring,
    now: OffsetDateTime,
) -> Result<RevocationListRecord, KeysError> {
    sign_list(store, &keyring.root_certificate, &keyring.root_key, RevocationScope::Permits, now)
        .await
}

/// What an offline verifier holds, from the store: the root, every signer's certificate (the
/// retired ones too) and the newest revocation lists.
pub async fn trust_store<S: Store>(store: &S) -> Result<TrustStore, KeysError> {
    let mut trust = TrustStore::default();
    let keys = store.signing_keys().await?;
    let root = keys.iter().find(|k| k.role == KeyRole::Root).ok_or(KeysError::NotInitialised)?;
    trust.add(Certificate::from_der(&root.certificate)?, true);
    for k in keys.iter().filter(|k| k.role == KeyRole::Signer) {
        trust.add(Certificate::from_der(&k.certificate)?, true);
    }
    for scope in [RevocationScope::Certificates, RevocationScope::Permits] {
        if let Some(list) = store.revocation_list(scope).await? {
            trust
                .add_revocations(&list.der, scope == RevocationScope::Permits)
                .map_err(|m| KeysError::Pki(PkiError::Invalid(m)))?;
        }
    }
    Ok(trust)
}

/// Writes the trust store's folder (`bienphong trust export`).
pub async fn export<S: Store>(store: &S, dir: &Path) -> Result<usize, KeysError> {
    let keys = store.signing_keys().await?;
    let root = keys.iter().find(|k| k.role == KeyRole::Root).ok_or(KeysError::NotInitialised)?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| KeysError::Write { path, source })
    };
    let signers = dir.join("signers");
    std::fs::create_dir_all(&signers)
        .map_err(|source| KeysError::Write { path: signers, source })?;
    write("root.crt", &root.certificate)?;
    let mut n = 1;
    for k in keys.iter().filter(|k| k.role == KeyRole::Signer) {
        write(&format!("signers/{}{}.crt", k.signer_identifier, k.serial), &k.certificate)?;
        n += 1;
    }
    for scope in [RevocationScope::Certificates, RevocationScope::Permits] {
        if let Some(list) = store.revocation_list(scope).await? {
            write(&format!("{}.crl", scope.as_str()), &list.der)?;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_two_base36_characters() {
        assert_eq!(identifier(1), "VN01");
        assert_eq!(identifier(35), "VN0Z");
        assert_eq!(identifier(36), "VN10");
    }
}

/// The keys and trust store, opened at start; permits wait for them.
#[derive(Debug, Default)]
pub struct PermitKeys {
    pub keyring: Option<Arc<Keyring>>,
    pub trust: Option<Arc<TrustStore>>,
    /// What the two were made from: the permits' revocation list's number and how many keys
    /// there were. Either changing (here or in another process) makes them anew.
    pub(crate) version: Option<(i64, usize)>,
    pub(crate) passphrase: Option<Arc<seal::locked::Passphrase>>,
}
