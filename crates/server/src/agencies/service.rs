//! An agency's account: registered with its first user, its staff added, closed.

use crate::accounts::credentials::Password;
use crate::accounts::credentials::hash_password;
use crate::app::{Acting, App, AuditFailed};
use domain::Role;
use domain::Username;
use domain::port::TaxCode;
use domain::{Actor, AgencyRight, InvalidValue};
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use store::AuditAction;
use store::NewUser;
use store::Store;
use store::StoreError;
use store::port::NewAgency;
use utoipa::ToSchema;

/// Why an agency's action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AgenciesError {
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    #[error(transparent)]
    Forbidden(#[from] domain::Forbidden),
    #[error("agency {0} not found")]
    NotFound(i64),
    #[error("too many registrations from this address: try again in {0} min")]
    TooManyRegistrations(u64),
    #[error("{0} already exists")]
    Taken(String),
    #[error("the account is closed")]
    AlreadyClosed,
    /// Ours: the store failed.
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Audit(#[from] AuditFailed),
    #[error("hashing the password: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<StoreError> for AgenciesError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => AgenciesError::Taken(what),
            other => AgenciesError::Store(other),
        }
    }
}

type Result<T> = std::result::Result<T, AgenciesError>;

fn email(s: &str) -> std::result::Result<String, InvalidValue> {
    let t = domain::bounds::required_line("email", s, 200)?;
    let ok = t.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    }) && !t.contains(char::is_whitespace);
    if ok {
        Ok(t)
    } else {
        Err(InvalidValue::new("email", format!("{t:?} is not an e-mail address")))
    }
}

fn phone(s: &str) -> std::result::Result<String, InvalidValue> {
    let t = domain::bounds::required_line("phone", s, 30)?;
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if (6..=15).contains(&digits)
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        Ok(t)
    } else {
        Err(InvalidValue::new("phone", format!("{t:?} is not a phone number")))
    }
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[schema(value_type = domain::port::TaxCode)]
    pub tax_code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    #[schema(format = Email)]
    pub email: String,
    pub phone: String,
    #[schema(value_type = Username)]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("tax_code", &self.tax_code)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A registered agency, as its registration answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    /// The first account's.
    #[serde(skip)]
    #[schema(ignore)]
    pub user_id: i64,
    pub tax_code: String,
    pub name: String,
    pub username: Username,
}

/// Registers an agency with its first account (the API's and the page's way alike).
pub async fn register_agency<S: Store>(
    app: &App<S>,
    ip: Option<std::net::IpAddr>,
    r: Registration,
) -> Result<Registered> {
    let agency = NewAgency {
        tax_code: TaxCode::parse(&r.tax_code)?,
        name: domain::bounds::required_line("name", &r.name, 200)?,
        address: domain::bounds::required_line("address", &r.address, 300)?,
        email: email(&r.email)?,
        phone: phone(&r.phone)?,
    };
    let username = Username::parse(&r.username)?;
    if let Err(wait) = app.registrations.take(ip, std::time::Instant::now()) {
        return Err(AgenciesError::TooManyRegistrations(wait.as_secs().div_ceil(60).max(1)));
    }
    let password_hash = hashed(r.password).await?;
    let user = NewUser {
        username: username.clone(),
        role: Role::Agent,
        checkpoint: None,
        agency: None,
        password_hash,
    };
    let (id, user_id) = app.store.add_agency(&agency, &user, app.now()).await?;
    app.audit(store::AuditEvent {
        actor: format!("user:{username}"),
        ip: ip.map(|i| i.to_string()),
        action: AuditAction::AgencyRegister,
        subject: format!("agency:{id}"),
        detail: json!({"tax_code": agency.tax_code.to_string(), "user": user_id}).to_string(),
    })
    .await?;
    Ok(Registered {
        id,
        user_id,
        tax_code: agency.tax_code.to_string(),
        name: agency.name,
        username,
    })
}

async fn hashed(password: String) -> Result<String> {
    let pw = Password::new(password);
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await?
        .map_err(|e| InvalidValue::new("password", e.to_string()).into())
}

/// The agency's own staff (or, with `admin_too`, an administrator) only: another agency is not
/// theirs to know of.
pub fn own_agency(actor: &Actor, id: i64, admin_too: bool) -> Result<()> {
    if admin_too && actor.is_admin() {
        return Ok(());
    }
    if actor.file_dossiers()?.agency() == id { Ok(()) } else { Err(AgenciesError::NotFound(id)) }
}

/// The agency adds one of its staff: the right is the agency's own.
pub async fn add_agency_staff<S: Store>(
    app: &App<S>,
    right: &AgencyRight,
    by: &Acting,
    agency: i64,
    username: &str,
    password: String,
) -> Result<(i64, Username)> {
    if right.agency() != agency {
        return Err(AgenciesError::NotFound(agency));
    }
    let username = Username::parse(username)?;
    let user = NewUser {
        username: username.clone(),
        role: Role::Agent,
        checkpoint: None,
        agency: Some(agency),
        password_hash: hashed(password).await?,
    };
    let user_id = app.store.add_user(&user, app.now()).await?;
    app.audit(by.audit(
        AuditAction::AgencyAddUser,
        format!("agency:{agency}"),
        json!({"user": user_id}),
    ))
    .await?;
    Ok((user_id, username))
}

/// The agency (or an admin) closes its account; its staff are signed out.
pub async fn close_agency<S: Store>(
    app: &App<S>,
    actor: &Actor,
    by: &Acting,
    agency: i64,
) -> Result<()> {
    own_agency(actor, agency, true)?;
    let closed = app.store.close_agency(agency, app.now()).await?;
    if !closed {
        return Err(AgenciesError::AlreadyClosed);
    }
    app.audit(by.audit(AuditAction::AgencyClose, format!("agency:{agency}"), json!({}))).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_checked() {
        assert!(email("ops@vosco.vn").is_ok());
        assert!(email("ops@vosco").is_err());
        assert!(email("a b@x.vn").is_err());
        assert!(phone("+84 225 3731 090").is_ok());
        assert!(phone("call me").is_err());
    }
}
