//! Passwords, tokens, sessions and the login throttle.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A password as typed: never printed, never logged.
pub struct Password(String);

impl Password {
    pub fn new(s: String) -> Self {
        Self(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A freshly made secret token: shown once, stored only as its digest.
pub struct Secret(String);

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> String {
        token_digest(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least 10 characters")]
    TooShort,
    #[error("hashing the password: {0}")]
    Hash(String),
}

pub fn hash_password(p: &Password) -> Result<String, PasswordError> {
    if p.0.chars().count() < 10 {
        return Err(PasswordError::TooShort);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(p.0.as_bytes(), &salt)
        .map(|h: PasswordHash| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

pub fn verify_password(p: &Password, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|h| Argon2::default().verify_password(p.0.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so that the answer takes as long.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&Password::new("not-a-real-password".into())).unwrap_or_default()
    })
}

/// Failed sign-ins per user name and per address: after `LIMIT` failures in `WINDOW`, further
/// attempts are refused until the window passes.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

const LIMIT: usize = 5;
const WINDOW: Duration = Duration::from_secs(300);

impl Throttle {
    fn keys(username: &str, ip: Option<IpAddr>) -> [String; 2] {
        [format!("u:{username}"), format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_default())]
    }

    /// How long to wait, if the caller must.
    pub fn blocked(&self, username: &str, ip: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        for key in Self::keys(username, ip) {
            if let Some(v) = map.get_mut(&key) {
                v.retain(|t| now.duration_since(*t) < WINDOW);
                // Addresses are shared (a post's NAT): they get more room than one account.
                let limit = if key.starts_with("ip:") { LIMIT * 4 } else { LIMIT };
                if v.len() >= limit
                    && let Some(first) = v.first()
                {
                    let w = WINDOW.saturating_sub(now.duration_since(*first));
                    wait = Some(wait.map_or(w, |x: Duration| x.max(w)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, username: &str, ip: Option<IpAddr>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in Self::keys(username, ip) {
            map.entry(key).or_default().push(now);
        }
    }

    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("u:{username}"));
    }
}

/// Registrations of new agencies per address: a public form that creates accounts and hashes
/// passwords must not be a way to fill the store or the CPU.
#[derive(Debug)]
pub struct Quota {
    limit: usize,
    window: Duration,
    uses: Mutex<HashMap<Option<IpAddr>, Vec<Instant>>>,
}

impl Quota {
    pub fn new(limit: usize, window: Duration) -> Self {
        Quota { limit, window, uses: Mutex::default() }
    }

    /// Counts one use, or says how long to wait without counting it.
    pub fn take(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let mut map = self.uses.lock().unwrap_or_else(|e| e.into_inner());
        // Forget addresses whose uses have all passed, so the map stays small.
        if map.len() > 10_000 {
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let v = map.entry(ip).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        match v.first() {
            Some(first) if v.len() >= self.limit => {
                Err(self.window.saturating_sub(now.duration_since(*first)))
            }
            _ => {
                v.push(now);
                Ok(())
            }
        }
    }
}

impl Default for Quota {
    /// Ten registrations an hour from one address.
    fn default() -> Self {
        Quota::new(10, Duration::from_secs(3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let p = Password::new("correct horse battery".into());
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&p, &h));
        assert!(!verify_password(&Password::new("wrong horse battery".into()), &h));
        assert!(!verify_password(&p, "not a hash"));
        assert!(matches!(
            hash_password(&Password::new("short".into())),
            Err(PasswordError::TooShort)
        ));
        assert_eq!(format!("{p:?}"), "Password(…)");
    }

    #[test]
    fn the_throttle_blocks_after_repeated_failures() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..LIMIT {
            assert!(t.blocked("officer", None, now).is_none());
            t.failed("officer", None, now);
        }
        assert!(t.blocked("officer", None, now).is_some());
        assert!(t.blocked("other", None, now).is_none());
        assert!(t.blocked("officer", None, now + WINDOW).is_none());
    }

    #[test]
    fn the_quota_counts_per_address_and_forgets_after_its_window() {
        let q = Quota::new(2, Duration::from_secs(60));
        let now = Instant::now();
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(q.take(a, now).is_ok());
        assert!(q.take(a, now + Duration::from_secs(10)).is_ok());
        assert_eq!(q.take(a, now + Duration::from_secs(20)), Err(Duration::from_secs(40)));
        assert!(q.take(b, now + Duration::from_secs(20)).is_ok());
        // A refused attempt is not counted: the window runs from the first use.
        assert!(q.take(a, now + Duration::from_secs(60)).is_ok());
    }
}
