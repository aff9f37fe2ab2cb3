//! Passwords, tokens, sessions and the login throttle.

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::PasswordHash;
use rand::RngCore;
use sha2::Digest;
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

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

/// The longest password taken: long enough for any passphrase, short enough that hashing it
/// costs nothing extra.
pub const PASSWORD_MAX: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least 10 characters")]
    TooShort,
    #[error("a password has at most 256 characters")]
    TooLong,
    #[error("a password holds no control characters")]
    Control,
    #[error("hashing the password: {0}")]
    Hash(String),
}

pub fn hash_password(p: &Password) -> Result<String, PasswordError> {
    let n = p.0.chars().count();
    if n < 10 {
        return Err(PasswordError::TooShort);
    }
    if n > PASSWORD_MAX {
        return Err(PasswordError::TooLong);
    }
    if p.0.chars().any(char::is_control) {
        return Err(PasswordError::Control);
    }
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(p.0.as_bytes(), &salt)
        .map(|h: PasswordHash| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

pub fn verify_password(p: &Password, hash: &str) -> bool {
    // Nothing longer was ever hashed: no need to spend the work on it.
    if p.0.len() > PASSWORD_MAX * 4 {
        return false;
    }
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

/// Failed sign-ins, counted three ways so that guessing is slow and nobody is locked out by
/// someone else's failures:
/// - per name at one address: after [`PAIR_LIMIT`] failures in [`WINDOW`] that name is refused
///   from that address;
/// - per name from anywhere: after [`NAME_LIMIT`], refused from every address where it has not
///   signed in before (a guess spread over many addresses);
/// - per address: after [`ADDRESS_LIMIT`], refused for every name that has not signed in from
///   it before (one address trying many names).
///
/// A post's officers behind one NAT keep signing in while a stranger there fails: their names
/// have signed in from that address before.
#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<ThrottleState>,
}

#[derive(Debug, Default)]
struct ThrottleState {
    failures: HashMap<String, Vec<Instant>>,
    /// (name, address) pairs that signed in, and when last.
    trusted: HashMap<(String, Option<IpAddr>), Instant>,
}

pub const PAIR_LIMIT: usize = 5;

pub const NAME_LIMIT: usize = 20;

pub const ADDRESS_LIMIT: usize = 50;

pub const WINDOW: Duration = Duration::from_secs(300);

/// How long a successful sign-in vouches for its name at its address.
const TRUSTED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// Past this many keys, the expired are swept out, so the maps stay small under a flood.
const SWEEP_AT: usize = 50_000;

fn pair_key(name: &str, ip: Option<IpAddr>) -> String {
    format!("p:{name}|{}", ip.map(|i| i.to_string()).unwrap_or_default())
}

fn name_key(name: &str) -> String {
    format!("u:{name}")
}

fn address_key(ip: Option<IpAddr>) -> String {
    format!("a:{}", ip.map(|i| i.to_string()).unwrap_or_default())
}

impl Throttle {
    /// How long to wait, if the caller must.
    pub fn blocked(&self, username: &str, ip: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let trusted = st
            .trusted
            .get(&(username.to_string(), ip))
            .is_some_and(|t| now.duration_since(*t) < TRUSTED_FOR);
        let mut checks = vec![(pair_key(username, ip), PAIR_LIMIT)];
        if !trusted {
            checks.push((name_key(username), NAME_LIMIT));
            checks.push((address_key(ip), ADDRESS_LIMIT));
        }
        let mut wait: Option<Duration> = None;
        for (key, limit) in checks {
            if let Some(v) = st.failures.get_mut(&key) {
                v.retain(|t| now.duration_since(*t) < WINDOW);
                if v.len() >= limit
                    && let Some(first) = v.first()
                {
                    let w = WINDOW.saturating_sub(now.duration_since(*first));
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, username: &str, ip: Option<IpAddr>, now: Instant) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.failures.len() > SWEEP_AT {
            st.failures.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [pair_key(username, ip), name_key(username), address_key(ip)] {
            let v = st.failures.entry(key).or_default();
            // Only the window's worth is ever needed.
            if v.len() >= ADDRESS_LIMIT {
                v.remove(0);
            }
            v.push(now);
        }
    }

    pub fn succeeded(&self, username: &str, ip: Option<IpAddr>, now: Instant) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.failures.remove(&pair_key(username, ip));
        if st.trusted.len() > SWEEP_AT {
            st.trusted.retain(|_, t| now.duration_since(*t) < TRUSTED_FOR);
        }
        st.trusted.insert((username.to_string(), ip), now);
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
        for _ in 0..PAIR_LIMIT {
            assert!(t.blocked("officer", None, now).is_none());
            t.failed("officer", None, now);
        }
        assert!(t.blocked("officer", None, now).is_some());
        assert!(t.blocked("other", None, now).is_none());
        assert!(t.blocked("officer", None, now + WINDOW).is_none());
    }

    /// A stranger failing over and over behind a post's NAT does not lock its officers out.
    #[test]
    fn a_post_behind_one_address_keeps_signing_in() {
        let t = Throttle::default();
        let now = Instant::now();
        let post = Some(IpAddr::from([203, 0, 113, 7]));
        t.succeeded("officer.a", post, now);
        for i in 0..ADDRESS_LIMIT * 2 {
            t.failed(&format!("guess{i}"), post, now);
        }
        assert!(t.blocked("officer.a", post, now).is_none(), "a name known at the address");
        assert!(t.blocked("newcomer", post, now).is_some(), "a name new to the address");
        assert!(t.blocked("newcomer", Some(IpAddr::from([198, 51, 100, 1])), now).is_none());
        // Guesses at one name from many addresses stop reaching it from new ones, not from
        // where its owner signs in.
        for i in 0..NAME_LIMIT {
            t.failed("officer.a", Some(IpAddr::from([198, 51, 100, i as u8])), now);
        }
        assert!(t.blocked("officer.a", Some(IpAddr::from([192, 0, 2, 1])), now).is_some());
        assert!(t.blocked("officer.a", post, now).is_none());
    }

    #[test]
    fn passwords_are_bounded() {
        assert!(matches!(
            hash_password(&Password::new("x".repeat(PASSWORD_MAX + 1))),
            Err(PasswordError::TooLong)
        ));
        assert!(matches!(
            hash_password(&Password::new("ten chars\0!".into())),
            Err(PasswordError::Control)
        ));
        assert!(!verify_password(&Password::new("x".repeat(1 << 20)), dummy_hash()));
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
