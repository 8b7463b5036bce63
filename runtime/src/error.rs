//! What every operation error has in common.

use std::fmt;

/// What a service error response says about itself: the code, message and request id, and the
/// HTTP status. Service messages are kept as sent; they are not secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub status: Option<u16>,
}

/// An error the operation's model does not list, or a response that could not be read.
#[derive(Debug)]
pub struct Unhandled {
    meta: ErrorMetadata,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Unhandled {
    pub fn new(meta: ErrorMetadata) -> Self {
        Unhandled { meta, source: None }
    }

    /// Attaches the underlying cause (a transport or parse error).
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

impl fmt::Display for Unhandled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unhandled error")?;
        if let Some(code) = &self.meta.code {
            write!(f, " {code}")?;
        }
        if let Some(status) = self.meta.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(message) = &self.meta.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unhandled {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

impl Unhandled {
    /// The first bytes of an unreadable body, as text, for the error message. Bounded, and only
    /// ever taken from error responses, which carry no secrets.
    pub(crate) fn with_snippet(self, body: &[u8]) -> Self {
        const SNIPPET_CHARS: usize = 200;
        let text = String::from_utf8_lossy(&body[..body.len().min(4 * SNIPPET_CHARS)]);
        let mut snippet: String = text
            .chars()
            .take(SNIPPET_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if text.chars().count() > SNIPPET_CHARS || body.len() > 4 * SNIPPET_CHARS {
            snippet.push('…');
        }
        self.with_source(Snippet(snippet))
    }
}

/// What an unreadable error response began with.
#[derive(Debug)]
struct Snippet(String);

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body is not a JSON error; it begins: {:?}",
            self.0
        )
    }
}

impl std::error::Error for Snippet {}

/// An operation's error enum, as generated: modelled errors by code, and the rest.
pub trait OperationError: Sized {
    /// The modelled error with this code, read from the body; `None` when the operation does
    /// not list `code`.
    fn modelled(code: &str, body: &[u8]) -> Option<serde_json::Result<Self>>;

    /// Wraps an error the model does not list.
    fn unhandled(error: Unhandled) -> Self;
}

/// Everything that can go wrong with a call. `E` is the operation's own error enum.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The request was not sent: its input, the credentials or the endpoint are wrong.
    Construction(ConstructionError),
    /// No response in time: one attempt (after the retries ran out) or the whole operation.
    Timeout(TimeoutError),
    /// The service could not be reached, or the connection broke.
    Dispatch(DispatchError),
    /// The service accepted the request but its response could not be read.
    Response(ResponseError),
    /// The service returned an error.
    Service(ServiceError<E>),
}

impl<E> SdkError<E> {
    /// The service's error, if that is what this is.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            SdkError::Service(e) => Some(&e.error),
            _ => None,
        }
    }

    /// The service's error, if that is what this is.
    pub fn into_service_error(self) -> Option<E> {
        match self {
            SdkError::Service(e) => Some(e.error),
            _ => None,
        }
    }

    /// The metadata of a service error.
    pub fn meta(&self) -> Option<&ErrorMetadata> {
        match self {
            SdkError::Service(e) => Some(&e.meta),
            _ => None,
        }
    }

    /// Attempts made before giving up (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            SdkError::Construction(_) => 0,
            SdkError::Timeout(e) => e.attempts,
            SdkError::Dispatch(e) => e.attempts,
            SdkError::Response(e) => e.attempts,
            SdkError::Service(e) => e.attempts,
        }
    }
}

impl<E: fmt::Display> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::Construction(e) => e.fmt(f),
            SdkError::Timeout(e) => e.fmt(f),
            SdkError::Dispatch(e) => e.fmt(f),
            SdkError::Response(e) => e.fmt(f),
            SdkError::Service(e) => e.error.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for SdkError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SdkError::Construction(e) => Some(e),
            SdkError::Timeout(e) => Some(e),
            SdkError::Dispatch(e) => Some(e),
            SdkError::Response(e) => Some(e),
            SdkError::Service(e) => Some(&e.error),
        }
    }
}

/// Why a request could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConstructionError {
    /// A required input member is not set.
    Build(crate::BuildError),
    /// A signed operation found no credentials.
    Credentials(crate::credentials::CredentialsError),
    /// No endpoint for this configuration (no region, FIPS with a custom endpoint, ...).
    Endpoint(crate::endpoint::EndpointError),
    /// The endpoint URL, a credential or the signer refused the request.
    Request(String),
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstructionError::Build(e) => e.fmt(f),
            ConstructionError::Credentials(e) => e.fmt(f),
            ConstructionError::Endpoint(e) => e.fmt(f),
            ConstructionError::Request(reason) => write!(f, "cannot make the request: {reason}"),
        }
    }
}

impl std::error::Error for ConstructionError {}

/// Which limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    Attempt,
    Operation,
}

/// No response within the configured time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError {
    pub kind: TimeoutKind,
    pub limit: std::time::Duration,
    pub attempts: u32,
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TimeoutKind::Attempt => "attempt",
            TimeoutKind::Operation => "operation",
        };
        write!(
            f,
            "timed out: the {what} limit of {:?} passed ({} attempt(s))",
            self.limit, self.attempts
        )
    }
}

impl std::error::Error for TimeoutError {}

/// The service could not be reached, or the connection failed mid-way.
#[derive(Debug)]
pub struct DispatchError {
    pub attempts: u32,
    source: reqwest::Error,
}

impl DispatchError {
    pub(crate) fn new(source: reqwest::Error, attempts: u32) -> Self {
        DispatchError { attempts, source }
    }

    /// Whether the connection could not be opened at all.
    pub fn is_connect(&self) -> bool {
        self.source.is_connect()
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the request failed in transit after {} attempt(s)",
            self.attempts
        )
    }
}

impl std::error::Error for DispatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A successful status with a body that is not the operation's output. The body is not quoted:
/// it may hold tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    pub status: u16,
    pub request_id: Option<String>,
    pub attempts: u32,
    pub reason: String,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unreadable response (HTTP {}): {}",
            self.status, self.reason
        )
    }
}

impl std::error::Error for ResponseError {}

/// An error response, as the operation's error enum, with its metadata.
#[derive(Debug)]
pub struct ServiceError<E> {
    pub error: E,
    pub meta: ErrorMetadata,
    pub attempts: u32,
}
