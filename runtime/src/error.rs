//! What every operation error has in common.

use std::fmt;

use crate::redact::printable;

/// What a service error response says about itself: the code, message and request id, and the
/// HTTP status. Messages are kept as sent, less any secret of the request they repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
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

impl ErrorMetadata {
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
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
    /// The first bytes of an unreadable body, as text, for the error message: bounded, with
    /// control characters escaped. Only taken when the request carried no secret, since a
    /// server may echo the request in an error page.
    pub(crate) fn with_snippet(self, body: &[u8]) -> Self {
        const SNIPPET_CHARS: usize = 200;
        let text = String::from_utf8_lossy(&body[..body.len().min(4 * SNIPPET_CHARS)]);
        self.with_source(Snippet(printable(&text, SNIPPET_CHARS).into_owned()))
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

/// An error response's body, for the operation's error enum to read its modelled error from.
pub struct ErrorBody<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) scrub: crate::untrusted::Scrub<'a>,
    /// The message the transport already read from it (scrubbed, printable).
    pub(crate) message: Option<&'a str>,
}

impl<'a> ErrorBody<'a> {
    /// The body's `message` (or `Message`), as already read: an error with no other member is
    /// made from it without reading the body again.
    pub fn message(&self) -> Option<&'a str> {
        self.message
    }
    /// Reads the body as `T`, within its memory budget, with the request's secrets scrubbed
    /// from every string and control characters escaped.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, DecodeError> {
        crate::untrusted::decode_error_text(self.bytes, self.scrub)
    }
}

impl fmt::Debug for ErrorBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorBody")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

pub use crate::untrusted::DecodeError;

/// An operation's error enum, as generated: modelled errors by code, and the rest.
#[doc(hidden)]
pub trait OperationError: Sized {
    /// The modelled error with this code, read from the body; `None` when the operation does
    /// not list `code`.
    fn modelled(code: &str, body: &ErrorBody<'_>) -> Option<Result<Self, DecodeError>>;

    /// Wraps an error the model does not list.
    fn unhandled(error: Unhandled) -> Self;

    /// Gives a modelled error the metadata of the response it came in (an unhandled error
    /// already has it, so an operation that models no error has nothing to do).
    fn set_meta(&mut self, _meta: ErrorMetadata) {}
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
    /// A paginated stream stopped: the service handed back a token already followed, or the
    /// pages ran past the stream's cap.
    Pagination(PaginationError),
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

    /// The service's error code (`NotAuthorizedException`, ...), when the service answered with
    /// an error.
    pub fn code(&self) -> Option<&str> {
        self.meta()?.code()
    }

    /// The service's error message, when it gave one.
    pub fn message(&self) -> Option<&str> {
        self.meta()?.message()
    }

    /// The id the service gave the request, for AWS support: of an error response, or of a
    /// response that could not be used.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SdkError::Service(e) => e.meta.request_id(),
            SdkError::Response(e) => e.request_id.as_deref(),
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
            SdkError::Pagination(_) => 0,
        }
    }
}

/// Names the kind of failure only: the error itself is the [`source`](std::error::Error::source),
/// so that a chain printer (`anyhow`'s `{:#}`) shows each message once.
impl<E> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SdkError::Construction(_) => "failed to construct the request",
            SdkError::Timeout(_) => "timed out",
            SdkError::Dispatch(_) => "dispatch failure",
            SdkError::Response(_) => "unusable response",
            SdkError::Service(_) => "service error",
            SdkError::Pagination(_) => "pagination stopped",
        })
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
            SdkError::Pagination(e) => Some(e),
        }
    }
}

/// Why a request could not be made. Transparent: each variant's error says what and why.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConstructionError {
    /// A required input member is not set.
    Build(crate::BuildError),
    /// A signed operation found no credentials.
    Credentials(crate::credentials::CredentialsError),
    /// No endpoint for this configuration (no region, FIPS with a custom endpoint, ...).
    Endpoint(crate::endpoint::EndpointError),
    /// The input, the HTTP client or the signer refused the request.
    Request(RequestError),
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstructionError::Build(e) => e.fmt(f),
            ConstructionError::Credentials(e) => e.fmt(f),
            ConstructionError::Endpoint(e) => e.fmt(f),
            ConstructionError::Request(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ConstructionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConstructionError::Credentials(e) => e.source(),
            ConstructionError::Request(e) => e.source(),
            _ => None,
        }
    }
}

/// A request that could not be made: what failed, and the underlying error when there is one.
#[derive(Debug, Clone)]
pub struct RequestError {
    what: &'static str,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl RequestError {
    pub(crate) fn new(what: &'static str) -> Self {
        RequestError { what, source: None }
    }

    /// An operation this client cannot carry, refused before anything is sent.
    #[doc(hidden)]
    pub fn unsupported(what: &'static str) -> Self {
        RequestError::new(what)
    }

    pub(crate) fn caused_by(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        RequestError {
            what,
            source: Some(source.into().into()),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
}

impl std::error::Error for RequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// Which limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    Attempt,
    Operation,
}

/// No response within the configured time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
            "the {what} limit of {:?} passed ({} attempt(s))",
            self.limit, self.attempts
        )
    }
}

impl std::error::Error for TimeoutError {}

/// The service could not be reached, or the connection failed mid-way.
#[derive(Debug)]
#[non_exhaustive]
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

/// A response that is not the operation's output nor one of its errors. The body is never
/// quoted: it may hold tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseError {
    pub status: u16,
    pub request_id: Option<String>,
    pub attempts: u32,
    pub kind: ResponseErrorKind,
}

/// What is wrong with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// The body is larger than the configured limit; it was not read.
    TooLarge { limit: usize },
    /// A redirect. None is followed: it would replay the request, its credentials and its
    /// secrets to wherever the response points.
    Redirect { location_host: Option<String> },
    /// A shared HTTP client followed a redirect to another URL before this crate saw the
    /// response (clients from `transport::http_client_builder` follow none).
    Redirected { host: Option<String> },
    /// The body is compressed or encoded (`Content-Encoding`), which was not asked for.
    Encoded { encoding: String },
    /// A successful status whose body is not the operation's output.
    Undecodable(DecodeError),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: ", self.status)?;
        let host = |host: &Option<String>| host.clone().unwrap_or_else(|| "(no host)".into());
        match &self.kind {
            ResponseErrorKind::TooLarge { limit } => {
                write!(f, "the body is larger than the limit of {limit} bytes")
            }
            ResponseErrorKind::Redirect { location_host } => {
                write!(f, "a redirect to {}, not followed", host(location_host))
            }
            ResponseErrorKind::Redirected { host: to } => write!(
                f,
                "the HTTP client followed a redirect to {}; refused",
                host(to)
            ),
            ResponseErrorKind::Encoded { encoding } => {
                write!(
                    f,
                    "the body has a content encoding ({encoding}) that was not asked for"
                )
            }
            ResponseErrorKind::Undecodable(e) => write!(f, "the body is {e}"),
        }
    }
}

impl std::error::Error for ResponseError {}

/// An error response, as the operation's error enum, with its metadata.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServiceError<E> {
    pub error: E,
    pub meta: ErrorMetadata,
    pub attempts: u32,
}

/// Why a paginated stream stopped before the service said it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationError {
    /// Page `page` handed back a continuation token the stream had already followed: following
    /// it again would loop.
    RepeatedToken { page: u32 },
    /// The stream fetched its maximum number of pages and the service still had more.
    TooManyPages { max_pages: u32 },
}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationError::RepeatedToken { page } => write!(
                f,
                "page {page} repeats a continuation token already followed"
            ),
            PaginationError::TooManyPages { max_pages } => write!(
                f,
                "{max_pages} pages fetched, the stream's limit, and the service had more"
            ),
        }
    }
}

impl std::error::Error for PaginationError {}
