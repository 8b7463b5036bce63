//! The AWS JSON 1.1 protocol over HTTP: one call is a `POST /` naming the operation in
//! `X-Amz-Target`, signed with SigV4 unless the operation needs no credentials, retried on
//! throttling and transient failures, and read back into the output or the operation's error.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::config::{RETRY_COST, RETRY_TIMEOUT_COST};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::Config;
use crate::credentials::{Credentials, CredentialsCache, DefaultChain, SharedCredentialsProvider};
use crate::endpoint::{EndpointError, EndpointParams, EndpointResolver};
use crate::error::{
    ConstructionError, DispatchError, ErrorBody, ErrorMetadata, OperationError, RequestError,
    ResponseError, ResponseErrorKind, SdkError, ServiceError, TimeoutError, TimeoutKind, Unhandled,
    printable,
};
use crate::redact::Secrets;
use crate::sigv4;
use crate::untrusted::{self, Scrub};

/// What the transport needs to know about a service, from its model. Plumbing of the
/// generated client.
#[doc(hidden)]
#[derive(Debug)]
pub struct Service {
    /// The prefix of its operations' `X-Amz-Target`s (each `Operation` carries its whole target):
    /// how a client names the service in `Debug`.
    pub target_prefix: &'static str,
    /// e.g. `application/x-amz-json-1.1`.
    pub content_type: &'static str,
    /// The SigV4 service name.
    pub signing_name: &'static str,
    /// The model's `endpoint-rule-set-1.json`.
    pub endpoint_rules: &'static str,
    /// botocore's `partitions.json`.
    pub partitions: &'static str,
    /// The calling crate as `name/version`, sent in `User-Agent`.
    pub client_name: &'static str,
}

/// One operation of a service. Plumbing of the generated client.
#[doc(hidden)]
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    /// Its `X-Amz-Target` (`<prefix>.<name>`): visible ASCII, as the generator checks.
    pub target: &'static str,
    /// Whether requests need SigV4 signatures (the model's `authtype` is not `none`).
    pub signed: bool,
}

/// A configured connection to a service: cheap to clone, shared between tasks. Plumbing of the
/// generated client.
#[doc(hidden)]
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

/// The service, the region and the endpoint: what tells clients apart (the rules and the
/// partition table are the same for every client, and long).
impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &*self.inner;
        let endpoint = match &inner.endpoint {
            Ok(url) => url.as_str().to_owned(),
            Err(e) => format!("(none: {e})"),
        };
        f.debug_struct("Handle")
            .field("service", &inner.service.target_prefix)
            .field("region", &inner.config.region)
            .field("endpoint", &endpoint)
            .finish_non_exhaustive()
    }
}

struct Inner {
    service: &'static Service,
    config: Config,
    http: Result<reqwest::Client, RequestError>,
    endpoint: Result<reqwest::Url, ConstructionError>,
    /// For operations that set endpoint parameters of their own, resolved per call.
    resolver: Result<EndpointResolver, ConstructionError>,
    credentials: CredentialsCache,
    /// The SigV4 signing key of the day, derived once and reused.
    signing_keys: sigv4::KeyCache,
    user_agent: HeaderValue,
    /// The retry quota's tokens left; `None` without a quota.
    quota: Option<RetryQuota>,
}

/// The standard retry mode's token bucket, shared by a client's clones.
#[derive(Debug)]
struct RetryQuota {
    capacity: u32,
    left: AtomicU32,
}

impl RetryQuota {
    /// Takes `cost` tokens, if that many are left.
    fn acquire(&self, cost: u32) -> bool {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(cost)
            })
            .is_ok()
    }

    /// Returns `tokens`, up to the capacity.
    fn release(&self, tokens: u32) {
        let _ = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                Some(left.saturating_add(tokens).min(self.capacity))
            });
    }
}

/// How one attempt ended.
enum Attempt {
    /// A response was read in full.
    Response(Received),
    /// The body is bigger than the configured limit.
    TooLarge {
        status: u16,
        headers: HeaderMap,
        limit: usize,
    },
    /// The HTTP client followed a redirect (a shared client can be set up to).
    Redirected {
        status: u16,
        headers: HeaderMap,
        host: Option<String>,
    },
    Failed(reqwest::Error),
    TimedOut(Duration),
    /// The operation's time ran out during this attempt (its limit).
    OperationTimedOut(Duration),
}

/// When the whole operation must be over. Every wait of a call is bounded by it, the attempt's
/// own timer included: one timer per attempt rather than two.
#[derive(Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    limit: Duration,
}

impl Deadline {
    fn after(limit: Option<Duration>) -> Option<Deadline> {
        limit.map(|limit| Deadline {
            at: tokio::time::Instant::now() + limit,
            limit,
        })
    }
}

fn operation_timed_out(limit: Duration, attempts: u32) -> Failure {
    tracing::debug!(attempts, "operation timed out");
    SdkError::Timeout(TimeoutError {
        kind: TimeoutKind::Operation,
        limit,
        attempts,
    })
}

/// A response read in full.
struct Received {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// For an error status, what the body says about the error: read once, for both the retry
    /// decision and the error.
    error: Option<ErrorReply>,
}

/// A body read chunk by chunk: a body that arrives in one chunk (most do) is kept as it came,
/// others are joined in a buffer sized from the stated length (already checked against the
/// limit) and grown past it only as far as the limit.
struct Collected {
    first: Option<Bytes>,
    joined: Vec<u8>,
    stated: usize,
    len: usize,
}

impl Collected {
    fn new(stated: Option<u64>) -> Self {
        Collected {
            first: None,
            joined: Vec::new(),
            stated: stated.map_or(0, |n| n as usize),
            len: 0,
        }
    }

    fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        if self.len == chunk.len() {
            self.first = Some(chunk);
            return;
        }
        if let Some(first) = self.first.take() {
            self.joined.reserve(self.stated.max(self.len));
            self.joined.extend_from_slice(&first);
        }
        self.joined.extend_from_slice(&chunk);
    }

    fn finish(self) -> Bytes {
        match self.first {
            Some(first) => first,
            None => Bytes::from(self.joined),
        }
    }
}

/// The metadata of an error response, and whether its body is a JSON object.
struct ErrorReply {
    meta: ErrorMetadata,
    json: bool,
}

impl Handle {
    /// Resolves the endpoint and prepares the HTTP client. Problems with either are reported by
    /// the first call, so that making a client never fails.
    pub fn new(service: &'static Service, config: Config) -> Self {
        let resolver = EndpointResolver::new(service.endpoint_rules, service.partitions)
            .map_err(ConstructionError::Endpoint);
        let endpoint = resolve_endpoint(&resolver, &config, Vec::new());
        let http = match &config.http_client {
            Some(client) => Ok(client.clone()),
            None => http_client(&config),
        };
        let user_agent = format!(
            "{} {}/{}",
            service.client_name,
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        );
        let user_agent = HeaderValue::from_str(&user_agent)
            .unwrap_or(HeaderValue::from_static("cognito-idp-runtime"));
        let provider = config
            .credentials
            .clone()
            .unwrap_or_else(|| SharedCredentialsProvider::new(DefaultChain::new()));
        let credentials = CredentialsCache::new(provider);
        let quota = config.retry.quota().map(|capacity| RetryQuota {
            capacity,
            left: AtomicU32::new(capacity),
        });
        Handle {
            inner: Arc::new(Inner {
                service,
                config,
                http,
                endpoint,
                resolver,
                credentials,
                signing_keys: sigv4::KeyCache::default(),
                user_agent,
                quota,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Refuses an operation this client cannot carry (`reason` says why), sending nothing.
    pub fn refuse<O, E>(
        &self,
        operation: &Operation,
        reason: &'static str,
    ) -> Result<O, SdkError<E>> {
        tracing::debug!(operation = operation.name, reason, "operation refused");
        Err(SdkError::Construction(ConstructionError::Request(
            RequestError::unsupported(reason),
        )))
    }

    /// Calls `operation` with `input`: the output, or why not.
    ///
    /// Only serialising and reading back are generic; the exchange itself (signing, retries,
    /// timeouts) is compiled once, not once per operation.
    ///
    /// Nothing read back can show the input's sensitive values: they are cut out of every
    /// string of an error response.
    pub async fn invoke<I, O, E>(&self, operation: &Operation, input: &I) -> Result<O, SdkError<E>>
    where
        I: Serialize + Secrets,
        O: DeserializeOwned,
        E: OperationError,
    {
        self.invoke_at(operation, input, Vec::new()).await
    }

    /// [`invoke`](Self::invoke) for an operation that sets endpoint rule parameters (`context`,
    /// by the rule set's names): its endpoint is resolved for this call.
    pub async fn invoke_at<I, O, E>(
        &self,
        operation: &Operation,
        input: &I,
        context: Vec<(&'static str, serde_json::Value)>,
    ) -> Result<O, SdkError<E>>
    where
        I: Serialize + Secrets,
        O: DeserializeOwned,
        E: OperationError,
    {
        let endpoint = match context.is_empty() {
            true => None,
            false => Some(
                resolve_endpoint(&self.inner.resolver, &self.inner.config, context)
                    .map_err(SdkError::Construction)?,
            ),
        };
        let mut secrets = Vec::new();
        input.secrets(false, &mut secrets);
        let scrub = Scrub::error_text(&secrets);
        let body = serde_json::to_vec(input).map_err(|e| {
            SdkError::Construction(ConstructionError::Request(RequestError::caused_by(
                "the input cannot be written as JSON",
                e,
            )))
        })?;
        let span = tracing::debug_span!("cognito_idp", operation = operation.name);
        let deadline = Deadline::after(self.inner.config.timeouts.operation());
        match self
            .exchange(operation, endpoint.as_ref(), body, scrub, deadline)
            .instrument(span)
            .await
        {
            Ok(response) => finish(response, scrub),
            Err(failure) => Err(widen(failure)),
        }
    }

    /// Sends `body` until a response worth reading arrives, the call fails, or `deadline` passes.
    async fn exchange(
        &self,
        operation: &Operation,
        endpoint: Option<&reqwest::Url>,
        body: Vec<u8>,
        scrub: Scrub<'_>,
        deadline: Option<Deadline>,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let construction = |e| SdkError::Construction(e);
        let endpoint = match endpoint {
            Some(url) => url,
            None => inner
                .endpoint
                .as_ref()
                .map_err(|e| construction(e.clone()))?,
        };
        let http = inner
            .http
            .as_ref()
            .map_err(|e| construction(ConstructionError::Request(e.clone())))?;
        let signer = match (operation.signed, deadline) {
            (false, _) => None,
            (true, None) => Some(self.signer().await.map_err(construction)?),
            (true, Some(deadline)) => Some(
                tokio::time::timeout_at(deadline.at, self.signer())
                    .await
                    .map_err(|_| operation_timed_out(deadline.limit, 0))?
                    .map_err(construction)?,
            ),
        };
        let target = HeaderValue::from_static(operation.target);
        // Built once; each attempt signs a cheap clone (the body is shared, not copied).
        let mut prepared = reqwest::Request::new(reqwest::Method::POST, endpoint.clone());
        let headers = prepared.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(inner.service.content_type),
        );
        headers.insert(HeaderName::from_static("x-amz-target"), target);
        headers.insert(USER_AGENT, inner.user_agent.clone());
        *prepared.body_mut() = Some(body.into());
        let retry = &inner.config.retry;
        let mut attempt = 0;
        // Tokens this call's retries took from the quota.
        let mut spent = 0;
        loop {
            attempt += 1;
            let mut request = prepared.try_clone().ok_or_else(|| {
                construction(ConstructionError::Request(RequestError::new(
                    "the request body cannot be resent",
                )))
            })?;
            if let Some(signer) = &signer {
                let body = prepared
                    .body()
                    .and_then(|b| b.as_bytes())
                    .unwrap_or_default();
                signer
                    .sign(&mut request, body)
                    .map_err(|e| construction(ConstructionError::Request(e)))?;
            }

            let outcome = self
                .attempt(http, request, endpoint, scrub, deadline)
                .instrument(tracing::debug_span!("attempt", attempt))
                .await;
            if attempt < retry.max_attempts()
                && let Some(reason) = retryable(&outcome)
            {
                let cost = match outcome {
                    Attempt::TimedOut(_) => RETRY_TIMEOUT_COST,
                    _ => RETRY_COST,
                };
                if inner.quota.as_ref().is_none_or(|quota| quota.acquire(cost)) {
                    spent += cost;
                    let delay = retry.backoff(attempt - 1, unit_random());
                    tracing::debug!(attempt, reason, ?delay, "retrying");
                    let wake = tokio::time::Instant::now() + delay;
                    match deadline {
                        Some(deadline) if deadline.at <= wake => {
                            tokio::time::sleep_until(deadline.at).await;
                            return Err(operation_timed_out(deadline.limit, attempt));
                        }
                        _ => tokio::time::sleep_until(wake).await,
                    }
                    continue;
                }
                tracing::debug!(attempt, reason, "not retrying: the retry quota is spent");
            }
            if let (
                Some(quota),
                Attempt::Response(Received {
                    status: 200..=299, ..
                }),
            ) = (&inner.quota, &outcome)
            {
                quota.release(spent.max(1));
            }
            return settle(outcome, attempt);
        }
    }

    /// Sends one request to `sent_to` and reads the response, within the attempt's timeout (or
    /// what is left of the operation's, when that is sooner) and the size limit.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        sent_to: &reqwest::Url,
        scrub: Scrub<'_>,
        deadline: Option<Deadline>,
    ) -> Attempt {
        let limit = self.inner.config.max_response_bytes;
        let exchange = async {
            let mut response = match http.execute(request).await {
                Ok(response) => response,
                Err(e) => return Attempt::Failed(e),
            };
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            if response.url() != sent_to {
                let host = response
                    .url()
                    .host_str()
                    .map(|h| printable(h, 128).into_owned());
                return Attempt::Redirected {
                    status,
                    headers,
                    host,
                };
            }
            let length = response.content_length();
            if length.is_some_and(|n| n > limit as u64) {
                return Attempt::TooLarge {
                    status,
                    headers,
                    limit,
                };
            }
            let mut body = Collected::new(length);
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) if body.len + chunk.len() > limit => {
                        return Attempt::TooLarge {
                            status,
                            headers,
                            limit,
                        };
                    }
                    Ok(Some(chunk)) => body.push(chunk),
                    Ok(None) => {
                        let body = body.finish();
                        let error =
                            (status >= 300).then(|| error_reply(status, &headers, &body, scrub));
                        return Attempt::Response(Received {
                            status,
                            headers,
                            body,
                            error,
                        });
                    }
                    Err(e) => return Attempt::Failed(e),
                }
            }
        };
        // One timer: the sooner of the operation's deadline (first, so that it wins a tie) and
        // the attempt's own limit, with what running into it means.
        type Expired = fn(Duration) -> Attempt;
        let operation = deadline.map(|d| (d.at, d.limit, Attempt::OperationTimedOut as Expired));
        let own = self.inner.config.timeouts.attempt().map(|limit| {
            let at = tokio::time::Instant::now() + limit;
            (at, limit, Attempt::TimedOut as Expired)
        });
        let timer = [operation, own]
            .into_iter()
            .flatten()
            .min_by_key(|(at, ..)| *at);
        let outcome = match timer {
            Some((at, limit, expired)) => tokio::time::timeout_at(at, exchange)
                .await
                .unwrap_or_else(|_| expired(limit)),
            None => exchange.await,
        };
        match &outcome {
            Attempt::Response(received) => tracing::debug!(status = received.status, "response"),
            Attempt::TooLarge { status, .. } => {
                tracing::debug!(status, limit, "response too large")
            }
            Attempt::Redirected { status, .. } => {
                tracing::debug!(status, "the HTTP client followed a redirect")
            }
            Attempt::Failed(e) => tracing::debug!(connect = e.is_connect(), "request failed"),
            Attempt::TimedOut(limit) => tracing::debug!(?limit, "attempt timed out"),
            Attempt::OperationTimedOut(_) => {}
        }
        outcome
    }

    /// Credentials and region for signing: from the cache, which asks the provider when it holds
    /// none or they are about to expire.
    async fn signer(&self) -> Result<Signer<'_>, ConstructionError> {
        let inner = &*self.inner;
        let region = inner.config.region.as_deref().ok_or_else(|| {
            ConstructionError::Request(RequestError::new(
                "signed operations need a region to sign for; set one in the config",
            ))
        })?;
        let credentials = inner
            .credentials
            .credentials()
            .await
            .map_err(ConstructionError::Credentials)?;
        Ok(Signer {
            credentials,
            region,
            name: inner.service.signing_name,
            keys: &inner.signing_keys,
        })
    }
}

/// SigV4 for one call: the credentials and scope it signs with, and the client's cache of
/// signing keys.
struct Signer<'a> {
    credentials: Arc<Credentials>,
    region: &'a str,
    name: &'a str,
    keys: &'a sigv4::KeyCache,
}

impl Signer<'_> {
    fn sign(&self, request: &mut reqwest::Request, body: &[u8]) -> Result<(), RequestError> {
        let failed = |e: &dyn std::fmt::Display| {
            RequestError::caused_by("the request cannot be signed", e.to_string())
        };
        let signed = {
            let headers: Vec<(&str, &str)> = request
                .headers()
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
                .collect();
            let scope = sigv4::Scope {
                access_key_id: self.credentials.access_key_id(),
                secret_access_key: self.credentials.secret_access_key(),
                session_token: self.credentials.session_token(),
                region: self.region,
                service: self.name,
            };
            let unsigned = sigv4::Request {
                method: request.method().as_str(),
                url: request.url(),
                headers: &headers,
                body,
            };
            sigv4::sign(&unsigned, &scope, SystemTime::now(), self.keys)
        };
        let headers = request.headers_mut();
        let date = HeaderValue::from_str(&signed.amz_date).map_err(|e| failed(&e))?;
        headers.insert(HeaderName::from_static("x-amz-date"), date);
        if let Some(token) = signed.security_token {
            let mut token = HeaderValue::from_str(token).map_err(|e| failed(&e))?;
            token.set_sensitive(true);
            headers.insert(HeaderName::from_static("x-amz-security-token"), token);
        }
        let mut authorization =
            HeaderValue::from_str(&signed.authorization).map_err(|e| failed(&e))?;
        authorization.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, authorization);
        Ok(())
    }
}

/// The endpoint the rules choose for the configuration and an operation's own parameters (or
/// why the rules could not be read).
fn resolve_endpoint(
    resolver: &Result<EndpointResolver, ConstructionError>,
    config: &Config,
    context: Vec<(&'static str, serde_json::Value)>,
) -> Result<reqwest::Url, ConstructionError> {
    let url = resolver
        .as_ref()
        .map_err(Clone::clone)?
        .resolve(&EndpointParams {
            region: config.region.clone(),
            use_fips: config.use_fips,
            use_dual_stack: config.use_dual_stack,
            endpoint: config.endpoint_url.clone(),
            context,
        })
        .map_err(ConstructionError::Endpoint)?;
    let parsed = reqwest::Url::parse(&url).map_err(|e| {
        ConstructionError::Endpoint(EndpointError::Rule(format!("`{url}` is not a URL: {e}")))
    })?;
    // The rules only produce https; plain http is for endpoints the user names.
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && config.endpoint_url.is_some()) {
        return Err(ConstructionError::Endpoint(EndpointError::Rule(format!(
            "`{url}` is neither https nor a given http URL"
        ))));
    }
    Ok(parsed)
}

/// The HTTP client this crate makes: HTTP/1.1, rustls with the `ring` provider and the
/// platform's certificate verifier, and the configured connect timeout.
fn http_client(config: &Config) -> Result<reqwest::Client, RequestError> {
    let mut builder =
        http_client_builder().map_err(|e| RequestError::caused_by("TLS cannot be set up", e))?;
    if let Some(timeout) = config.timeouts.connect() {
        builder = builder.connect_timeout(timeout);
    }
    builder
        .build()
        .map_err(|e| RequestError::caused_by("the HTTP client cannot be made", e))
}

/// A `reqwest` client builder with this crate's TLS set up (rustls, `ring`, the platform's
/// verifier) and redirects turned off, for programs that share one client through [`ConfigBuilder::http_client`]
/// (a plain `reqwest::Client::new()` has no TLS provider in this build and panics).
///
/// [`ConfigBuilder::http_client`]: crate::ConfigBuilder::http_client
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // No redirects: following one would replay the request (its credentials, and the password
    // of a sign-in) to wherever the response points. No AWS SDK follows them either.
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none()))
}

/// Error codes that mean "slow down" (the AWS SDKs' list).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes of transient failures.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

/// Why an attempt is worth repeating, if it is.
fn retryable(outcome: &Attempt) -> Option<&'static str> {
    match outcome {
        Attempt::Failed(_) => Some("connection failed"),
        Attempt::TimedOut(_) => Some("attempt timed out"),
        Attempt::OperationTimedOut(_) | Attempt::TooLarge { .. } | Attempt::Redirected { .. } => {
            None
        }
        Attempt::Response(Received { status, error, .. }) => {
            // Successes are final, and redirects are refused, never repeated.
            let reply = error.as_ref().filter(|_| *status >= 400)?;
            match reply.meta.code.as_deref() {
                Some(code) if THROTTLING_CODES.contains(&code) => Some("throttled"),
                Some(code) if TRANSIENT_CODES.contains(&code) => Some("transient error"),
                _ if *status == 429 => Some("throttled"),
                _ if *status >= 500 => Some("server error"),
                _ => None,
            }
        }
    }
}

/// A response read in full, after `attempts` attempts.
struct Response {
    received: Received,
    attempts: u32,
}

/// Everything that can go wrong before a response is read: the same for every operation.
type Failure = SdkError<std::convert::Infallible>;

/// A failure as any operation's error.
fn widen<E>(failure: Failure) -> SdkError<E> {
    match failure {
        SdkError::Construction(e) => SdkError::Construction(e),
        SdkError::Timeout(e) => SdkError::Timeout(e),
        SdkError::Dispatch(e) => SdkError::Dispatch(e),
        SdkError::Response(e) => SdkError::Response(e),
        SdkError::Service(e) => match e.error {},
        SdkError::Pagination(e) => SdkError::Pagination(e),
    }
}

/// The last attempt's outcome: a response to read, or the failure.
fn settle(outcome: Attempt, attempts: u32) -> Result<Response, Failure> {
    match outcome {
        Attempt::Response(received) => Ok(Response { received, attempts }),
        Attempt::TooLarge {
            status,
            headers,
            limit,
        } => Err(SdkError::Response(ResponseError {
            status,
            request_id: request_id(&headers),
            attempts,
            kind: ResponseErrorKind::TooLarge { limit },
        })),
        Attempt::Redirected {
            status,
            headers,
            host,
        } => Err(SdkError::Response(ResponseError {
            status,
            request_id: request_id(&headers),
            attempts,
            kind: ResponseErrorKind::Redirected { host },
        })),
        Attempt::Failed(e) => Err(SdkError::Dispatch(DispatchError::new(e, attempts))),
        Attempt::TimedOut(limit) => Err(SdkError::Timeout(TimeoutError {
            kind: TimeoutKind::Attempt,
            limit,
            attempts,
        })),
        Attempt::OperationTimedOut(limit) => Err(operation_timed_out(limit, attempts)),
    }
}

/// Reads a response as the output or the operation's error.
fn finish<O, E>(response: Response, scrub: Scrub<'_>) -> Result<O, SdkError<E>>
where
    O: DeserializeOwned,
    E: OperationError,
{
    let Response {
        received:
            Received {
                status,
                headers,
                body,
                error,
            },
        attempts,
    } = response;
    let refuse = |kind| {
        SdkError::Response(ResponseError {
            status,
            request_id: request_id(&headers),
            attempts,
            kind,
        })
    };
    if let Some(encoding) = content_encoding(&headers) {
        return Err(refuse(ResponseErrorKind::Encoded { encoding }));
    }
    if (300..400).contains(&status) {
        let location_host = location_host(&headers);
        return Err(refuse(ResponseErrorKind::Redirect { location_host }));
    }
    if (200..300).contains(&status) {
        // The body decides, whatever its label: an empty one is an output with nothing set.
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &body
        };
        return untrusted::decode(body).map_err(|e| refuse(ResponseErrorKind::Undecodable(e)));
    }
    let ErrorReply { meta, json } =
        error.unwrap_or_else(|| error_reply(status, &headers, &body, scrub));
    tracing::debug!(
        status,
        code = meta.code.as_deref(),
        request_id = meta.request_id.as_deref(),
        "service error"
    );
    let unhandled = || Unhandled::new(meta.clone());
    let error = match &meta.code {
        Some(code) => {
            let bytes: &[u8] = if json { &body } else { b"{}" };
            let message = meta.message.as_deref();
            match E::modelled(
                code,
                &ErrorBody {
                    bytes,
                    scrub,
                    message,
                },
            ) {
                Some(Ok(mut error)) => {
                    error.set_meta(meta.clone());
                    error
                }
                Some(Err(e)) => E::unhandled(unhandled().with_source(e)),
                None => E::unhandled(unhandled()),
            }
        }
        // An error page may echo the request: quote it only when the request held no secret.
        None if !json && !scrub.holds_secrets() => E::unhandled(unhandled().with_snippet(&body)),
        None => E::unhandled(unhandled()),
    };
    Err(SdkError::Service(ServiceError {
        error,
        meta,
        attempts,
    }))
}

/// What an error response says about itself, read once: the code from `X-Amzn-ErrorType`
/// (unless blank) or the body, the message, the request id, all printable and bounded.
fn error_reply(status: u16, headers: &HeaderMap, body: &[u8], scrub: Scrub<'_>) -> ErrorReply {
    let fields = match json_content_type(headers) {
        true => untrusted::decode_error_text::<ErrorFields>(body, scrub).ok(),
        false => None,
    };
    let header_code = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|code| scrub.text(sanitize_code(code)).into_owned());
    let json = fields.is_some();
    let fields = fields.unwrap_or_default();
    let body_code = [fields.type_, fields.code, fields.code_upper]
        .into_iter()
        .flatten()
        .map(|code| sanitize_code(&code).to_owned())
        .find(|code| !code.is_empty());
    let code = header_code
        .filter(|code| !code.is_empty())
        .or(body_code)
        .map(|code| printable(&code, MAX_CODE_CHARS).into_owned());
    let meta = ErrorMetadata {
        code,
        message: fields
            .message
            .or(fields.message_upper)
            .or(fields.error_message),
        request_id: request_id(headers),
        status: Some(status),
    };
    ErrorReply { meta, json }
}

/// Error codes are identifiers; anything longer is cut.
const MAX_CODE_CHARS: usize = 128;

/// The members of a JSON error body that say what the error is. Other members are skipped
/// unread; a member that is not a string counts as absent.
#[derive(Default)]
struct ErrorFields {
    type_: Option<String>,
    code: Option<String>,
    code_upper: Option<String>,
    message: Option<String>,
    message_upper: Option<String>,
    error_message: Option<String>,
}

impl<'de> serde::Deserialize<'de> for ErrorFields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = ErrorFields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON error object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ErrorFields, A::Error> {
                let mut fields = ErrorFields::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match key.as_ref() {
                        "__type" => &mut fields.type_,
                        "code" => &mut fields.code,
                        "Code" => &mut fields.code_upper,
                        "message" => &mut fields.message,
                        "Message" => &mut fields.message_upper,
                        "errorMessage" => &mut fields.error_message,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    let value = map.next_value::<crate::wire::TextOrOther>()?.0;
                    if slot.is_none() {
                        *slot = value;
                    }
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// `aws.protocoltests#FooError:http://internal` -> `FooError`.
fn sanitize_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code).trim()
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(|id| printable(id, MAX_CODE_CHARS).into_owned())
}

/// JSON, or unstated (then the body decides): `application/json`, `application/x-amz-json-1.x`
/// or any `+json` type, parameters aside.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application")
        && (subtype == "json" || subtype.starts_with("x-amz-json-") || subtype.ends_with("+json"))
}

/// A `Content-Encoding` other than `identity`: the body is not the bytes to read.
fn content_encoding(headers: &HeaderMap) -> Option<String> {
    let encodings: Vec<&str> = headers
        .get_all(reqwest::header::CONTENT_ENCODING)
        .iter()
        .map(|value| value.to_str().unwrap_or("(not text)"))
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"))
        .collect();
    (!encodings.is_empty()).then(|| printable(&encodings.join(", "), MAX_CODE_CHARS).into_owned())
}

/// The host a redirect points to, when it names one.
fn location_host(headers: &HeaderMap) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = reqwest::Url::parse(location).ok()?;
    url.host_str()
        .map(|host| printable(host, MAX_CODE_CHARS).into_owned())
}

/// Uniform in [0, 1) from the OS; without it the backoff is not shortened.
fn unit_random() -> f64 {
    getrandom::u64()
        .map(|bits| (bits >> 11) as f64 / (1u64 << 53) as f64)
        .unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    fn reply(headers: &HeaderMap, body: &str) -> ErrorReply {
        error_reply(400, headers, body.as_bytes(), Scrub::error_text(&[]))
    }

    #[test]
    fn bodies_in_one_chunk_are_kept_and_others_joined_in_order() {
        let whole = Bytes::from_static(b"{\"a\":1}");
        let mut one = Collected::new(Some(7));
        one.push(whole.clone());
        let kept = one.finish();
        assert_eq!(kept.as_ptr(), whole.as_ptr(), "not copied");
        let mut parts = Collected::new(None);
        for part in ["", "{\"a\"", "", ":1", "}"] {
            parts.push(Bytes::from_static(part.as_bytes()));
        }
        assert_eq!(parts.len, 7);
        assert_eq!(&parts.finish()[..], b"{\"a\":1}");
        assert!(Collected::new(Some(0)).finish().is_empty());
    }

    #[test]
    fn error_codes_from_header_or_body() {
        let json = headers(&[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amzn-requestid", "r-1"),
        ]);
        let ErrorReply {
            meta,
            json: readable,
        } = reply(
            &json,
            r#"{"__type":"com.amazon#NotAuthorizedException","message":"no"}"#,
        );
        assert!(readable);
        assert_eq!(meta.code.as_deref(), Some("NotAuthorizedException"));
        assert_eq!(meta.message.as_deref(), Some("no"));
        assert_eq!(meta.request_id.as_deref(), Some("r-1"));
        let meta = reply(&json, r#"{"code":"Foo:http://x","Message":"m"}"#).meta;
        assert_eq!(
            (meta.code.as_deref(), meta.message.as_deref()),
            (Some("Foo"), Some("m"))
        );
        let typed = headers(&[
            ("x-amzn-errortype", "ns#Bar:extra"),
            ("content-type", "text/html"),
        ]);
        let ErrorReply {
            meta,
            json: readable,
        } = reply(&typed, "<html>");
        assert_eq!(meta.code.as_deref(), Some("Bar"));
        assert!(!readable);
        let ErrorReply {
            meta,
            json: readable,
        } = reply(&headers(&[]), "");
        assert_eq!((meta.code, readable), (None, false));
    }

    #[test]
    fn blank_error_type_headers_defer_to_the_body() {
        for blank in ["", "#", "  ", "ns#:x"] {
            let mut headers = headers(&[("content-type", "application/json")]);
            headers.insert("x-amzn-errortype", HeaderValue::from_str(blank).unwrap());
            let meta = reply(&headers, r#"{"__type":"UserNotFoundException"}"#).meta;
            assert_eq!(
                meta.code.as_deref(),
                Some("UserNotFoundException"),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn error_text_is_printable_and_bounded() {
        let json = headers(&[("content-type", "application/json")]);
        let long = "E".repeat(10_000);
        let meta = reply(
            &json,
            &format!(r#"{{"__type":"{long}","message":"a\u001b[2Jb\r\nc","x":[0,0,0]}}"#),
        )
        .meta;
        assert_eq!(meta.code.unwrap().chars().count(), MAX_CODE_CHARS + 1);
        assert_eq!(meta.message.as_deref(), Some(r"a\u{1b}[2Jb\r\nc"));
        // A member that is not a string is no message.
        let meta = reply(&json, r#"{"__type":"X","message":{"a":1},"Message":"m"}"#).meta;
        assert_eq!(meta.message.as_deref(), Some("m"));
    }

    #[test]
    fn media_types_are_parsed_not_searched() {
        let is_json = |value: &'static str| json_content_type(&headers(&[("content-type", value)]));
        assert!(is_json("application/json"));
        assert!(is_json("application/x-amz-json-1.1; charset=utf-8"));
        assert!(is_json("Application/Problem+JSON"));
        assert!(!is_json("text/plain; x=json"));
        assert!(!is_json("text/json-ish"));
        assert!(!is_json("application/jsonp"));
        assert!(json_content_type(&headers(&[])));
    }

    #[test]
    fn encodings_and_redirect_hosts() {
        assert_eq!(content_encoding(&headers(&[])), None);
        assert_eq!(
            content_encoding(&headers(&[("content-encoding", "identity")])),
            None
        );
        assert_eq!(
            content_encoding(&headers(&[("content-encoding", "gzip")])).as_deref(),
            Some("gzip")
        );
        assert_eq!(
            location_host(&headers(&[("location", "https://evil.example/x")])).as_deref(),
            Some("evil.example")
        );
        assert_eq!(location_host(&headers(&[("location", "/relative")])), None);
    }

    #[test]
    fn retry_classification() {
        let json = headers(&[("content-type", "application/json")]);
        let response = |status, body: &str| {
            Attempt::Response(Received {
                status,
                headers: json.clone(),
                body: Bytes::copy_from_slice(body.as_bytes()),
                error: (status >= 300)
                    .then(|| error_reply(status, &json, body.as_bytes(), Scrub::default())),
            })
        };
        assert_eq!(
            retryable(&response(400, r#"{"__type":"ThrottlingException"}"#)),
            Some("throttled")
        );
        assert_eq!(
            retryable(&response(400, r#"{"__type":"TooManyRequestsException"}"#)),
            Some("throttled")
        );
        assert_eq!(retryable(&response(503, "")), Some("server error"));
        assert_eq!(retryable(&response(429, "")), Some("throttled"));
        assert_eq!(
            retryable(&response(400, r#"{"__type":"NotAuthorizedException"}"#)),
            None
        );
        assert_eq!(retryable(&response(404, "")), None);
        assert_eq!(retryable(&response(200, "{}")), None);
        assert_eq!(
            retryable(&response(307, r#"{"__type":"ThrottlingException"}"#)),
            None
        );
        assert_eq!(
            retryable(&Attempt::TimedOut(Duration::from_secs(1))),
            Some("attempt timed out")
        );
    }

    #[test]
    fn unit_random_is_in_range() {
        for _ in 0..100 {
            let r = unit_random();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}
