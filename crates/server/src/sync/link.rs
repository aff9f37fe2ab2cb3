//! A node's link to headquarters: its credential, whether the link is up, and the calls it
//! makes (`docs/sync.md`). Headquarters has none.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use domain::CheckpointCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::sync::wire;

/// How long a check waits for headquarters' nationwide history before it decides on what the
/// post holds.
pub const HISTORY_TIMEOUT: Duration = Duration::from_millis(800);
/// How long one exchange of the sync may take before the link counts as down.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The node's credential: shown to headquarters, never printed.
pub struct Credential(String);

impl Credential {
    pub fn new(secret: String) -> Self {
        Credential(secret)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(…)")
    }
}

/// The certificate authorities a node trusts headquarters' HTTPS certificate under, besides
/// the public ones: a border guard's own, for a link that never touches the Internet.
#[derive(Clone)]
pub struct HqCa(Vec<reqwest::Certificate>);

impl HqCa {
    /// One or more PEM certificates.
    pub fn from_pem(pem: &[u8]) -> Result<HqCa, String> {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?;
        if certs.is_empty() {
            return Err("no PEM certificate in it".into());
        }
        Ok(HqCa(certs))
    }
}

impl std::fmt::Debug for HqCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HqCa({} certificates)", self.0.len())
    }
}

fn client_builder(ca: Option<&HqCa>) -> reqwest::ClientBuilder {
    let mut b = reqwest::Client::builder().timeout(EXCHANGE_TIMEOUT);
    for c in ca.map(|c| c.0.as_slice()).unwrap_or_default() {
        b = b.add_root_certificate(c.clone());
    }
    b
}

/// How the link stands, as every page and `/healthz` tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStatus {
    pub connected: bool,
    /// Since when it has been connected, or not.
    pub since: OffsetDateTime,
    pub last_error: Option<String>,
    /// The node's clock less headquarters', as last measured.
    pub clock_offset_ms: Option<i64>,
}

/// Why a call to headquarters failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the link to headquarters is switched off here")]
    SwitchedOff,
    #[error("headquarters could not be reached: {0}")]
    Unreachable(String),
    #[error("headquarters refused: {status} {body}")]
    Refused { status: u16, body: String },
    #[error("headquarters' answer is unreadable: {0}")]
    Unreadable(String),
}

impl LinkError {
    /// Headquarters said no to this node (its credential is revoked or unknown): retrying
    /// will not help until an administrator acts.
    pub fn is_refusal(&self) -> bool {
        matches!(self, LinkError::Refused { status: 401 | 403, .. })
    }
}

#[derive(Debug)]
pub struct NodeLink {
    pub checkpoint: CheckpointCode,
    pub hq_url: String,
    credential: Credential,
    client: reqwest::Client,
    /// Set by an administrator (or the demo) to cut the link by hand.
    switched_off: AtomicBool,
    status: Mutex<LinkStatus>,
    /// Woken when something waits to go up.
    pub wake: tokio::sync::Notify,
}

impl NodeLink {
    /// `ca`: the authority headquarters' HTTPS certificate is trusted under, where it is not
    /// one of the public ones.
    pub fn new(
        checkpoint: CheckpointCode,
        hq_url: String,
        credential: Credential,
        ca: Option<&HqCa>,
        now: OffsetDateTime,
    ) -> Result<Self, LinkError> {
        let client = client_builder(ca)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(50))
            .build()
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        Ok(NodeLink {
            checkpoint,
            hq_url: hq_url.trim_end_matches('/').to_string(),
            credential,
            client,
            switched_off: AtomicBool::new(false),
            status: Mutex::new(LinkStatus {
                connected: false,
                since: now,
                last_error: None,
                clock_offset_ms: None,
            }),
            wake: tokio::sync::Notify::new(),
        })
    }

    pub fn status(&self) -> LinkStatus {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn switched_off(&self) -> bool {
        self.switched_off.load(Ordering::Relaxed)
    }

    pub fn switch(&self, up: bool) {
        self.switched_off.store(!up, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Records how the last exchange went.
    pub fn mark(&self, result: Result<Option<i64>, String>, now: OffsetDateTime) {
        let mut st = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let connected = result.is_ok();
        if st.connected != connected {
            st.connected = connected;
            st.since = now;
        }
        match result {
            Ok(offset) => {
                st.last_error = None;
                if offset.is_some() {
                    st.clock_offset_ms = offset;
                }
            }
            Err(e) => st.last_error = Some(e),
        }
    }

    /// One exchange: `body` compressed up, the answer inflated down.
    pub async fn call<T: Serialize, R: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &T,
        timeout: Duration,
    ) -> Result<R, LinkError> {
        call(self, path, body, timeout).await
    }
}

/// How a node's messages reach headquarters: HTTPS in production; the sync's simulation puts
/// its own faults here.
pub trait Transport: Send + Sync {
    /// Sends one compressed message to `/api/v1/sync/{path}`; the compressed answer.
    fn exchange(
        &self,
        path: &'static str,
        packed: Vec<u8>,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, LinkError>> + Send;
}

impl Transport for NodeLink {
    async fn exchange(
        &self,
        path: &'static str,
        packed: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, LinkError> {
        if self.switched_off() {
            return Err(LinkError::SwitchedOff);
        }
        let answer = self
            .client
            .post(format!("{}/api/v1/sync/{path}", self.hq_url))
            .bearer_auth(self.credential.expose())
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .header("accept-encoding", "gzip")
            .timeout(timeout)
            .body(packed)
            .send()
            .await
            .map_err(|e| LinkError::Unreachable(error_chain(&e)))?;
        answer_body(answer).await
    }
}

/// Headquarters' answer, read within the bound of a message: its body when it said 200, else
/// the refusal with the start of what it said.
async fn answer_body(mut answer: reqwest::Response) -> Result<Vec<u8>, LinkError> {
    let status = answer.status().as_u16();
    let mut bytes = Vec::new();
    while let Some(chunk) =
        answer.chunk().await.map_err(|e| LinkError::Unreachable(error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > wire::MAX_COMPRESSED {
            return Err(LinkError::Unreadable("the answer is larger than a message may be".into()));
        }
        bytes.extend_from_slice(&chunk);
    }
    if status != 200 {
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        return Err(LinkError::Refused { status, body });
    }
    Ok(bytes)
}

/// One exchange over a transport: `body` compressed up, the answer inflated down.
pub async fn call<X: Transport, T: Serialize, R: DeserializeOwned>(
    transport: &X,
    path: &'static str,
    body: &T,
    timeout: Duration,
) -> Result<R, LinkError> {
    let packed = wire::pack(body).map_err(|e| LinkError::Unreadable(e.to_string()))?;
    let answer = transport.exchange(path, packed, timeout).await?;
    wire::unpack(&answer).map_err(|e| LinkError::Unreadable(e.to_string()))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Enrols a node: spends the one-time secret at headquarters for the node's credential.
/// What enrolment gives a node: its checkpoint, its credential, and the key to link its audit
/// trail under (where headquarters has one).
#[derive(Debug)]
pub struct Enrolment {
    pub checkpoint: CheckpointCode,
    pub credential: Credential,
    pub audit_key: Option<AuditKeyText>,
}

/// A node's audit key as headquarters sent it (64 hexadecimal digits): never printed.
pub struct AuditKeyText(pub String);

impl std::fmt::Debug for AuditKeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeyText(…)")
    }
}

pub async fn enrol(hq_url: &str, secret: &str, ca: Option<&HqCa>) -> Result<Enrolment, LinkError> {
    #[derive(Serialize)]
    struct Ask<'a> {
        secret: &'a str,
        protocol: u32,
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        checkpoint: String,
        credential: String,
        audit_key: Option<String>,
    }
    let client = client_builder(ca).build().map_err(|e| LinkError::Unreachable(e.to_string()))?;
    let answer = client
        .post(format!("{}/api/v1/sync/enrol", hq_url.trim_end_matches('/')))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&Ask { secret, protocol: wire::PROTOCOL }).unwrap_or_default())
        .send()
        .await
        .map_err(|e| LinkError::Unreachable(error_chain(&e)))?;
    let bytes = answer_body(answer).await?;
    let a: Answer =
        serde_json::from_slice(&bytes).map_err(|e| LinkError::Unreadable(e.to_string()))?;
    let checkpoint =
        CheckpointCode::parse(&a.checkpoint).map_err(|e| LinkError::Unreadable(e.to_string()))?;
    let audit_key = match a.audit_key {
        Some(k) if k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(AuditKeyText(k))
        }
        Some(_) => return Err(LinkError::Unreadable("the audit key is not 64 hex digits".into())),
        None => None,
    };
    Ok(Enrolment { checkpoint, credential: Credential::new(a.credential), audit_key })
}

/// A traveller's crossings nationwide, asked of headquarters with a short timeout; `Err`
/// with since when headquarters has been unreachable when it does not answer in time.
pub async fn nationwide_history(
    link: &NodeLink,
    doc: &domain::TravelDocument,
    traveller_id: i64,
    limit: u32,
    now: OffsetDateTime,
) -> Result<Vec<store::CrossingRecord>, OffsetDateTime> {
    let down_since = || {
        let st = link.status();
        if st.connected { now } else { st.since }
    };
    // A link known to be down is not waited on at every check: the sync's own retries say
    // when it is back.
    if !link.status().connected || link.switched_off() {
        return Err(down_since());
    }
    let ask = wire::HistoryAsk {
        issuing_state: doc.issuing_state.to_string(),
        number: doc.number.to_string(),
        limit,
    };
    match link.call::<_, wire::HistoryAnswer>("history", &ask, HISTORY_TIMEOUT).await {
        Ok(a) => a
            .crossings
            .iter()
            .map(|c| c.read(traveller_id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| down_since()),
        Err(_) => Err(down_since()),
    }
}
