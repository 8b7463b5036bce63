//! The AWS JSON 1.1 protocol over HTTP: one call is a `POST /` naming the operation in
//! `X-Amz-Target`, signed with SigV4 unless the operation needs no credentials, retried on
//! throttling and transient failures, and read back into the output or the operation's error.
//!
//! This module is the call path (a [`Handle`] invokes an operation: attempts, timers, signing);
//! `retry` (beside it) decides whether and when to try again, and `response` reads what came
//! back.

mod response;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::Config;
use crate::credentials::{Credentials, CredentialsCache, DefaultChain, SharedCredentialsProvider};
use crate::endpoint::{EndpointError, EndpointParams, EndpointResolver};
use crate::error::{
    ConstructionError, DispatchError, OperationError, RequestError, ResponseError,
    ResponseErrorKind, SdkError, TimeoutError, TimeoutKind,
};
use crate::http::Collected;
use crate::redact::{Secrets, printable};
use crate::retry::{self, RETRY_COST, RETRY_TIMEOUT_COST, RetryQuota};
use crate::sigv4;
use crate::untrusted::Scrub;
use response::{Received, Response, error_reply, finish, request_id};

pub use crate::http::http_client_builder;

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
        let quota = config.retry.quota().map(RetryQuota::new);
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
        let body = serde_json::to_vec(input).map_err(|e| {
            SdkError::Construction(ConstructionError::Request(RequestError::caused_by(
                "the input cannot be written as JSON",
                e,
            )))
        })?;
        let span = tracing::debug_span!("cognito_idp", operation = operation.name);
        let deadline = Deadline::after(self.inner.config.timeouts.operation());
        async {
            let route = self.route(endpoint.as_ref()).map_err(widen)?;
            let signer = self
                .signer_within(operation, deadline)
                .await
                .map_err(widen)?;
            let mut secrets = Vec::new();
            input.secrets(false, &mut secrets);
            // The session token signs every attempt: a page that echoes the request's headers
            // must not show it either.
            secrets.extend(signer.as_ref().and_then(|s| s.credentials.session_token()));
            let scrub = Scrub::error_text(&secrets);
            match self
                .exchange(operation, route, body, scrub, deadline, signer.as_ref())
                .await
            {
                Ok(response) => finish(response, scrub),
                Err(failure) => Err(widen(failure)),
            }
        }
        .instrument(span)
        .await
    }

    /// Where a call goes, and the HTTP client that takes it there.
    fn route<'a>(
        &'a self,
        endpoint: Option<&'a reqwest::Url>,
    ) -> Result<(&'a reqwest::Url, &'a reqwest::Client), Failure> {
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
        Ok((endpoint, http))
    }

    /// The signer of a signed operation (none for the others), within the operation's time.
    async fn signer_within(
        &self,
        operation: &Operation,
        deadline: Option<Deadline>,
    ) -> Result<Option<Signer<'_>>, Failure> {
        let construction = |e| SdkError::Construction(e);
        Ok(match (operation.signed, deadline) {
            (false, _) => None,
            (true, None) => Some(self.signer().await.map_err(construction)?),
            (true, Some(deadline)) => Some(
                tokio::time::timeout_at(deadline.at, self.signer())
                    .await
                    .map_err(|_| operation_timed_out(deadline.limit, 0))?
                    .map_err(construction)?,
            ),
        })
    }

    /// Sends `body` until a response worth reading arrives, the call fails, or `deadline` passes.
    async fn exchange(
        &self,
        operation: &Operation,
        (endpoint, http): (&reqwest::Url, &reqwest::Client),
        body: Vec<u8>,
        scrub: Scrub<'_>,
        deadline: Option<Deadline>,
        signer: Option<&Signer<'_>>,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let construction = |e| SdkError::Construction(e);
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
        let policy = &inner.config.retry;
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
            if let Some(signer) = signer {
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
            if attempt < policy.max_attempts()
                && let Some(reason) = retryable(&outcome)
            {
                let cost = match outcome {
                    Attempt::TimedOut(_) => RETRY_TIMEOUT_COST,
                    _ => RETRY_COST,
                };
                if inner.quota.as_ref().is_none_or(|quota| quota.acquire(cost)) {
                    spent += cost;
                    let delay = policy.backoff(attempt - 1, retry::unit_random());
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
            retry::retry_reason(*status, reply.meta.code.as_deref())
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use response::tests::headers;

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
}
