//! An agency's account: registered with its first user, its staff added, closed.

use crate::accounts::credentials::Password;
use crate::accounts::credentials::hash_password;
use crate::app::App;
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::Authed;
use axum::http::StatusCode;
use domain::Role;
use domain::Username;
use domain::port::TaxCode;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;
use store::AuditAction;
use store::NewUser;
use store::Store;
use store::port::NewAgency;
use utoipa::ToSchema;

pub(crate) fn text(field: &'static str, s: &str, max: usize) -> ApiResult<String> {
    let t = domain::bounds::clean_line(field, s, max)?;
    if t.is_empty() {
        return Err(ApiError::bad_request("invalid_field", format!("{field}: missing")));
    }
    Ok(t)
}

fn email(s: &str) -> ApiResult<String> {
    let t = text("email", s, 200)?;
    let ok = t.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    }) && !t.contains(char::is_whitespace);
    if ok {
        Ok(t)
    } else {
        Err(ApiError::bad_request(
            "invalid_field",
            format!("email: {t:?} is not an e-mail address"),
        ))
    }
}

fn phone(s: &str) -> ApiResult<String> {
    let t = text("phone", s, 30)?;
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if (6..=15).contains(&digits)
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        Ok(t)
    } else {
        Err(ApiError::bad_request("invalid_field", format!("phone: {t:?} is not a phone number")))
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
) -> ApiResult<Registered> {
    let agency = NewAgency {
        tax_code: TaxCode::parse(&r.tax_code)?,
        name: text("name", &r.name, 200)?,
        address: text("address", &r.address, 300)?,
        email: email(&r.email)?,
        phone: phone(&r.phone)?,
    };
    let username = Username::parse(&r.username)?;
    if let Err(wait) = app.registrations.take(ip, std::time::Instant::now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_registrations",
            format!(
                "too many registrations from this address: try again in {} min",
                wait.as_secs().div_ceil(60).max(1)
            ),
        ));
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

async fn hashed(password: String) -> ApiResult<String> {
    let pw = Password::new(password);
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::bad_request("invalid_field", format!("password: {e}")))
}

/// The agency's own staff only.
pub fn own_agency(who: &Authed, id: i64) -> ApiResult<()> {
    let right = who.actor.file_dossiers()?;
    if right.agency() == id {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("agency {id} not found")))
    }
}

/// The agency adds one of its staff.
pub async fn add_agency_staff<S: Store>(
    app: &App<S>,
    who: &Authed,
    agency: i64,
    username: &str,
    password: String,
) -> ApiResult<(i64, Username)> {
    own_agency(who, agency)?;
    let username = Username::parse(username)?;
    let user = NewUser {
        username: username.clone(),
        role: Role::Agent,
        checkpoint: None,
        agency: Some(agency),
        password_hash: hashed(password).await?,
    };
    let user_id = app.store.add_user(&user, app.now()).await?;
    app.audit(who.audit(
        AuditAction::AgencyAddUser,
        format!("agency:{agency}"),
        json!({"user": user_id}),
    ))
    .await?;
    Ok((user_id, username))
}

/// The agency (or an admin) closes its account; its staff are signed out.
pub async fn close_agency<S: Store>(app: &App<S>, who: &Authed, agency: i64) -> ApiResult<()> {
    if !who.actor.is_admin() {
        own_agency(who, agency)?;
    }
    let closed = app.store.close_agency(agency, app.now()).await?;
    if !closed {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_closed", "the account is closed"));
    }
    app.audit(who.audit(AuditAction::AgencyClose, format!("agency:{agency}"), json!({}))).await?;
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
