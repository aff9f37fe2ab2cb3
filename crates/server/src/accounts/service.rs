//! Accounts and devices as an administrator manages them, from the API or the command line:
//! one copy of each action, with its audit record; and signing in, with the throttle.

pub use crate::accounts::credentials::Password;
use crate::accounts::credentials::Secret;
use crate::accounts::credentials::dummy_hash;
use crate::accounts::credentials::verify_password;
use crate::app::{Acting, App, AuditFailed};
use domain::CheckpointCode;
use std::time::Instant;
use store::AuditAction;
use store::NewToken;
use store::Store;
use store::StoreError;
use store::TokenKind;
use store::TokenOwner;
use time::Duration;
use time::OffsetDateTime;

/// Why an account's action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("too many failed sign-ins: try again in {0} s")]
    TooManyAttempts(u64),
    #[error("wrong user name or password")]
    BadCredentials,
    #[error(transparent)]
    Invalid(#[from] domain::InvalidValue),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Duplicate(String),
    /// Ours: the store failed.
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
    #[error("checking the password: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<StoreError> for AccountsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AccountsError::NotFound(what),
            StoreError::Duplicate(what) => AccountsError::Duplicate(what),
            other => AccountsError::Store(other),
        }
    }
}

/// Checks a user's password, with the throttle; the user's record on success.
pub async fn sign_in<S: Store>(
    app: &App<S>,
    username: &str,
    password: &Password,
    ip: Option<std::net::IpAddr>,
) -> Result<store::UserRecord, AccountsError> {
    // Whatever was typed goes into the throttle and the audit trail: bounded.
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    if let Some(wait) = app.throttle.blocked(&name, ip, Instant::now()) {
        return Err(AccountsError::TooManyAttempts(wait.as_secs().max(1)));
    }
    let user = app.store.user_by_name(&name).await?;
    let hash = user.as_ref().map_or(dummy_hash(), |u| u.password_hash.as_str()).to_string();
    let pw = Password::new(password.expose().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash)).await?;
    let event = |action: AuditAction| store::AuditEvent {
        actor: format!("user:{name}"),
        ip: ip.map(|i| i.to_string()),
        action,
        subject: format!("user:{name}"),
        detail: "{}".into(),
    };
    match user {
        Some(u) if ok => {
            app.throttle.succeeded(&name, ip, Instant::now());
            app.audit(event(AuditAction::SignIn)).await?;
            Ok(u)
        }
        _ => {
            app.throttle.failed(&name, ip, Instant::now());
            app.audit(event(AuditAction::SignInFailed)).await?;
            Err(AccountsError::BadCredentials)
        }
    }
}

/// The days a device's token may work: at most two years.
pub fn token_days(days: i64) -> Result<Duration, domain::InvalidValue> {
    if (1..=730).contains(&days) {
        Ok(Duration::days(days))
    } else {
        Err(domain::InvalidValue::new("days", "a device's token works 1 to 730 days"))
    }
}

/// A device's name: 1 to 100 printable characters.
pub fn device_name(name: &str) -> Result<String, domain::InvalidValue> {
    let n = domain::bounds::clean_line("name", name, 100)?;
    if n.is_empty() {
        return Err(domain::InvalidValue::new("name", "a device has a name"));
    }
    Ok(n)
}

/// Adds an account (the command line's `user add`; agencies add theirs through `port`).
pub async fn add_user<S: Store>(
    store: &S,
    by: &Acting,
    user: &store::NewUser,
    now: OffsetDateTime,
) -> Result<i64, AccountsError> {
    let id = store.add_user(user, now).await?;
    let detail = serde_json::json!({
        "role": user.role,
        "checkpoint": user.checkpoint,
        "agency": user.agency,
    });
    store
        .append_audit(
            &by.audit(AuditAction::UserAdd, format!("user:{}", user.username), detail),
            now,
        )
        .await?;
    Ok(id)
}

/// A new token for a device, shown once, stored as its digest.
async fn device_token<S: Store>(
    store: &S,
    id: i64,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Secret, StoreError> {
    let secret = Secret::generate();
    let token = NewToken {
        hash: secret.digest(),
        kind: TokenKind::Device,
        owner: TokenOwner::Device(id),
        csrf: None,
        expires_at: Some(expires_at),
    };
    store.put_token(&token, now).await?;
    Ok(secret)
}

/// Registers a device at a checkpoint with a token that works for `days`.
pub async fn add_device<S: Store>(
    store: &S,
    by: &Acting,
    checkpoint: &CheckpointCode,
    name: &str,
    days: Duration,
    now: OffsetDateTime,
) -> Result<(i64, Secret, OffsetDateTime), AccountsError> {
    let id = store.add_device(checkpoint, name, now).await?;
    let expires_at = now + days;
    let secret = device_token(store, id, expires_at, now).await?;
    let detail = serde_json::json!({"checkpoint": checkpoint, "name": name});
    store
        .append_audit(&by.audit(AuditAction::DeviceAdd, format!("device:{id}"), detail), now)
        .await?;
    Ok((id, secret, expires_at))
}

/// A fresh token for a device in service; the old ones work until they expire.
pub async fn renew_device<S: Store>(
    store: &S,
    by: &Acting,
    id: i64,
    days: Duration,
    now: OffsetDateTime,
) -> Result<(Secret, OffsetDateTime), AccountsError> {
    match store.devices().await?.iter().find(|d| d.id == id) {
        Some(d) if d.revoked_at.is_none() => {}
        _ => return Err(AccountsError::NotFound(format!("device {id} in service"))),
    }
    let expires_at = now + days;
    let secret = device_token(store, id, expires_at, now).await?;
    store
        .append_audit(
            &by.audit(AuditAction::DeviceToken, format!("device:{id}"), serde_json::json!({})),
            now,
        )
        .await?;
    Ok((secret, expires_at))
}

/// Revokes a device: its tokens stop working at once.
pub async fn revoke_device<S: Store>(
    store: &S,
    by: &Acting,
    id: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    if !store.revoke_device(id, now).await? {
        return Err(StoreError::NotFound(format!("device {id} in service")));
    }
    store
        .append_audit(
            &by.audit(AuditAction::DeviceRevoke, format!("device:{id}"), serde_json::json!({})),
            now,
        )
        .await
}

/// Disables an account: no sign-in, and its sessions and tokens stop at once.
pub async fn disable_user<S: Store>(
    store: &S,
    by: &Acting,
    username: &domain::Username,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    if !store.disable_user(username.as_str(), now).await? {
        return Err(StoreError::NotFound(format!("enabled account {username}")));
    }
    store
        .append_audit(
            &by.audit(AuditAction::UserDisable, format!("user:{username}"), serde_json::json!({})),
            now,
        )
        .await
}

/// Every account, for an administrator.
pub async fn list_accounts<S: Store>(
    app: &App<S>,
    _right: &domain::AdminRight,
    by: &Acting,
) -> Result<Vec<store::AccountRecord>, AccountsError> {
    let list = app.store.accounts().await?;
    app.audit(by.audit(
        AuditAction::AccountsRead,
        "accounts".into(),
        serde_json::json!({"count": list.len()}),
    ))
    .await?;
    Ok(list)
}

/// An account an administrator opens: its role's binding checked, its password hashed.
pub async fn create_account<S: Store>(
    app: &App<S>,
    _right: &domain::AdminRight,
    by: &Acting,
    username: &domain::Username,
    role: domain::Role,
    checkpoint: Option<CheckpointCode>,
    password: Password,
) -> Result<i64, AccountsError> {
    if role == domain::Role::Agent {
        return Err(domain::InvalidValue::new(
            "role",
            "agents are added by their agency, on its own page",
        )
        .vi("Tài khoản đại lý do chính đại lý thêm trên trang của mình")
        .into());
    }
    role.check_binding(checkpoint.as_ref())?;
    let hash = hashed(password).await?;
    let user = store::NewUser {
        username: username.clone(),
        role,
        checkpoint,
        agency: None,
        password_hash: hash,
    };
    add_user(&app.store, by, &user, app.now()).await
}

async fn hashed(password: Password) -> Result<String, AccountsError> {
    use crate::accounts::credentials::PasswordError;
    let hashed =
        tokio::task::spawn_blocking(move || crate::accounts::credentials::hash_password(&password))
            .await?;
    hashed.map_err(|e| {
        let vi = match &e {
            PasswordError::TooShort => "Mật khẩu phải có ít nhất 10 ký tự",
            PasswordError::TooLong => "Mật khẩu dài quá 256 ký tự",
            PasswordError::Control => "Mật khẩu có ký tự không được phép",
            PasswordError::Hash(_) => {
                return AccountsError::Store(StoreError::Corrupt(e.to_string()));
            }
        };
        domain::InvalidValue::new("password", e.to_string()).vi(vi).into()
    })
}

/// A new password set by an administrator: the account's sessions end.
pub async fn reset_password<S: Store>(
    app: &App<S>,
    _right: &domain::AdminRight,
    by: &Acting,
    username: &domain::Username,
    password: Password,
) -> Result<(), AccountsError> {
    let hash = hashed(password).await?;
    if !app.store.set_password(username.as_str(), &hash).await? {
        return Err(AccountsError::NotFound(format!("enabled account {username}")));
    }
    let subject = format!("user:{username}");
    app.audit(by.audit(AuditAction::UserPassword, subject, serde_json::json!({}))).await?;
    Ok(())
}

/// Binds an account to a checkpoint, as its role requires: its sessions end.
pub async fn bind_account<S: Store>(
    app: &App<S>,
    _right: &domain::AdminRight,
    by: &Acting,
    username: &domain::Username,
    checkpoint: Option<CheckpointCode>,
) -> Result<(), AccountsError> {
    let account = app
        .store
        .accounts()
        .await?
        .into_iter()
        .find(|a| &a.username == username && a.disabled_at.is_none())
        .ok_or_else(|| AccountsError::NotFound(format!("enabled account {username}")))?;
    account.role.check_binding(checkpoint.as_ref())?;
    if !app.store.bind_checkpoint(username.as_str(), checkpoint.as_ref()).await? {
        return Err(AccountsError::NotFound(format!("enabled account {username}")));
    }
    let detail = serde_json::json!({"checkpoint": checkpoint});
    app.audit(by.audit(AuditAction::UserBind, format!("user:{username}"), detail)).await?;
    Ok(())
}

/// The audit trail searched, newest first; the look is itself audited.
pub async fn search_audit<S: Store>(
    app: &App<S>,
    _right: &domain::AuditRight,
    by: &Acting,
    filter: &store::AuditFilter,
    offset: u64,
    limit: u32,
) -> Result<(Vec<store::AuditRecord>, u64), AccountsError> {
    let found = app.store.audit_search(filter, offset, limit).await?;
    let detail = serde_json::json!({
        "actor": filter.actor, "subject": filter.subject, "action": filter.action,
        "from": filter.from_ms, "to": filter.to_ms, "found": found.1,
    });
    app.audit(by.audit(AuditAction::AuditRead, "audit".into(), detail)).await?;
    Ok(found)
}
