//! The AWS JSON 1.1 protocol over HTTP: one call is a `POST /` naming the operation in
//! `X-Amz-Target`, signed with SigV4 unless the operation needs no credentials, retried on
//! throttling and transient failures, and read back into the output or the operation's error.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::Config;
use crate::credentials::Credentials;
use crate::endpoint::{EndpointError, EndpointParams, EndpointResolver};
use crate::error::{
    ConstructionError, DispatchError, ErrorMetadata, OperationError, ResponseError, SdkError,
    ServiceError, TimeoutError, TimeoutKind, Unhandled,
};
use crate::profile::Environment;

/// What the transport needs to know about a service, from its model.
#[derive(Debug)]
pub struct Service {
    /// `X-Amz-Target` is `<target_prefix>.<operation>`.
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

/// One operation of a service.
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    /// Whether requests need SigV4 signatures (the model's `authtype` is not `none`).
    pub signed: bool,
}

/// A configured connection to a service: cheap to clone, shared between tasks.
#[derive(Debug, Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    service: &'static Service,
    config: Config,
    http: Result<reqwest::Client, String>,
    endpoint: Result<reqwest::Url, ConstructionError>,
    credentials: OnceLock<Credentials>,
    user_agent: HeaderValue,
}

/// How one attempt ended.
enum Attempt {
    /// A response was read in full.
    Response {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// The body is bigger than the configured limit.
    TooLarge {
        status: u16,
        headers: HeaderMap,
    },
    Failed(reqwest::Error),
    TimedOut(Duration),
}

impl Handle {
    /// Resolves the endpoint and prepares the HTTP client. Problems with either are reported by
    /// the first call, so that making a client never fails.
    pub fn new(service: &'static Service, config: Config) -> Self {
        let endpoint = resolve_endpoint(service, &config);
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
        let credentials = OnceLock::new();
        if let Some(given) = &config.credentials {
            let _ = credentials.set(given.clone());
        }
        Handle {
            inner: Arc::new(Inner {
                service,
                config,
                http,
                endpoint,
                credentials,
                user_agent,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Calls `operation` with `input`: the output, or why not.
    ///
    /// Only serialising and reading back are generic; the exchange itself (signing, retries,
    /// timeouts) is compiled once, not once per operation.
    pub async fn invoke<I, O, E>(&self, operation: &Operation, input: &I) -> Result<O, SdkError<E>>
    where
        I: Serialize,
        O: DeserializeOwned,
        E: OperationError,
    {
        let body = serde_json::to_vec(input)
            .map_err(|e| SdkError::Construction(ConstructionError::Request(e.to_string())))?;
        match self.exchange(operation, body).await {
            Ok(response) => finish(response),
            Err(failure) => Err(widen(failure)),
        }
    }

    /// Sends `body` until a response worth reading arrives, or the call fails.
    async fn exchange(&self, operation: &Operation, body: Vec<u8>) -> Result<Response, Failure> {
        let attempts = AtomicU32::new(0);
        let span = tracing::debug_span!("cognito_idp", operation = operation.name);
        let call = self.call(operation, body, &attempts).instrument(span);
        match self.inner.config.timeouts.operation() {
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => {
                    let attempts = attempts.load(Ordering::Relaxed);
                    tracing::debug!(operation = operation.name, attempts, "operation timed out");
                    Err(SdkError::Timeout(TimeoutError {
                        kind: TimeoutKind::Operation,
                        limit,
                        attempts,
                    }))
                }
            },
            None => call.await,
        }
    }

    async fn call(
        &self,
        operation: &Operation,
        body: Vec<u8>,
        attempts: &AtomicU32,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let construction = |e| SdkError::Construction(e);
        let endpoint = inner
            .endpoint
            .as_ref()
            .map_err(|e| construction(e.clone()))?;
        let http = inner
            .http
            .as_ref()
            .map_err(|e| construction(ConstructionError::Request(e.clone())))?;
        let signer = match operation.signed {
            true => Some(self.signer().map_err(construction)?),
            false => None,
        };
        let target = HeaderValue::from_str(&format!(
            "{}.{}",
            inner.service.target_prefix, operation.name
        ))
        .map_err(|e| construction(ConstructionError::Request(e.to_string())))?;
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
        loop {
            attempt += 1;
            attempts.store(attempt, Ordering::Relaxed);
            let mut request = prepared.try_clone().ok_or_else(|| {
                construction(ConstructionError::Request(
                    "the request body cannot be resent".to_owned(),
                ))
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
                .attempt(http, request)
                .instrument(tracing::debug_span!("attempt", attempt))
                .await;
            if attempt < retry.max_attempts()
                && let Some(reason) = retryable(&outcome)
            {
                let delay = retry.backoff(attempt - 1, unit_random());
                tracing::debug!(attempt, reason, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return settle(outcome, attempt);
        }
    }

    /// Sends one request and reads the response, within the attempt timeout and size limit.
    async fn attempt(&self, http: &reqwest::Client, request: reqwest::Request) -> Attempt {
        let limit = self.inner.config.max_response_bytes;
        let exchange = async {
            let mut response = match http.execute(request).await {
                Ok(response) => response,
                Err(e) => return Attempt::Failed(e),
            };
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Attempt::TooLarge { status, headers };
            }
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) if body.len() + chunk.len() > limit => {
                        return Attempt::TooLarge { status, headers };
                    }
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    Ok(None) => {
                        return Attempt::Response {
                            status,
                            headers,
                            body,
                        };
                    }
                    Err(e) => return Attempt::Failed(e),
                }
            }
        };
        let outcome = match self.inner.config.timeouts.attempt() {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Attempt::TimedOut(limit)),
            None => exchange.await,
        };
        match &outcome {
            Attempt::Response { status, .. } => tracing::debug!(status, "response"),
            Attempt::TooLarge { status, .. } => {
                tracing::debug!(status, limit, "response too large")
            }
            Attempt::Failed(e) => tracing::debug!(connect = e.is_connect(), "request failed"),
            Attempt::TimedOut(limit) => tracing::debug!(?limit, "attempt timed out"),
        }
        outcome
    }

    /// Credentials and region for signing: given, or looked up once.
    fn signer(&self) -> Result<Signer<'_>, ConstructionError> {
        let inner = &*self.inner;
        let region = inner.config.region.as_deref().ok_or_else(|| {
            ConstructionError::Request(
                "signed operations need a region to sign for; set one in the config".to_owned(),
            )
        })?;
        let credentials = match inner.credentials.get() {
            Some(found) => found,
            None => {
                let found = Credentials::from_environment(Environment::process())
                    .map_err(ConstructionError::Credentials)?;
                inner.credentials.get_or_init(|| found)
            }
        };
        Ok(Signer {
            credentials: credentials.to_sigv4(),
            region,
            name: inner.service.signing_name,
        })
    }
}

/// SigV4 for one call.
struct Signer<'a> {
    credentials: aws_credential_types::Credentials,
    region: &'a str,
    name: &'a str,
}

impl Signer<'_> {
    fn sign(&self, request: &mut reqwest::Request, body: &[u8]) -> Result<(), String> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_sigv4::sign::v4::SigningParams;

        let identity = self.credentials.clone().into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            request.url().as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let (headers, _params) = instructions.into_parts();
        for header in headers {
            let name =
                HeaderName::from_bytes(header.name().as_bytes()).map_err(|e| e.to_string())?;
            let mut value = HeaderValue::from_str(header.value()).map_err(|e| e.to_string())?;
            value.set_sensitive(header.sensitive());
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

fn resolve_endpoint(service: &Service, config: &Config) -> Result<reqwest::Url, ConstructionError> {
    let resolver = EndpointResolver::new(service.endpoint_rules, service.partitions)
        .map_err(ConstructionError::Endpoint)?;
    let url = resolver
        .resolve(&EndpointParams {
            region: config.region.clone(),
            use_fips: config.use_fips,
            use_dual_stack: config.use_dual_stack,
            endpoint: config.endpoint_url.clone(),
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
fn http_client(config: &Config) -> Result<reqwest::Client, String> {
    let mut builder = http_client_builder().map_err(|e| format!("TLS: {e}"))?;
    if let Some(timeout) = config.timeouts.connect() {
        builder = builder.connect_timeout(timeout);
    }
    builder
        .build()
        .map_err(|e| format!("cannot make the HTTP client: {e}"))
}

/// A `reqwest` client builder with this crate's TLS set up (rustls, `ring`, the platform's
/// verifier), for programs that share one client through [`ConfigBuilder::http_client`]
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
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls))
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
        Attempt::TooLarge { .. } => None,
        Attempt::Response {
            status,
            headers,
            body,
        } => {
            if *status < 300 {
                return None;
            }
            let code = error_metadata(*status, headers, body).0.code;
            match code.as_deref() {
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
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
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
    }
}

/// The last attempt's outcome: a response to read, or the failure.
fn settle(outcome: Attempt, attempts: u32) -> Result<Response, Failure> {
    match outcome {
        Attempt::Response {
            status,
            headers,
            body,
        } => Ok(Response {
            status,
            headers,
            body,
            attempts,
        }),
        Attempt::TooLarge { status, headers } => Err(SdkError::Response(ResponseError {
            status,
            request_id: request_id(&headers),
            attempts,
            reason: "the body is larger than the configured limit".to_owned(),
        })),
        Attempt::Failed(e) => Err(SdkError::Dispatch(DispatchError::new(e, attempts))),
        Attempt::TimedOut(limit) => Err(SdkError::Timeout(TimeoutError {
            kind: TimeoutKind::Attempt,
            limit,
            attempts,
        })),
    }
}

/// Reads a response as the output or the operation's error.
fn finish<O, E>(response: Response) -> Result<O, SdkError<E>>
where
    O: DeserializeOwned,
    E: OperationError,
{
    let Response {
        status,
        headers,
        body,
        attempts,
    } = response;
    if (200..300).contains(&status) {
        let unreadable = |reason: String| {
            SdkError::Response(ResponseError {
                status,
                request_id: request_id(&headers),
                attempts,
                reason,
            })
        };
        if !json_content_type(&headers) {
            return Err(unreadable("the content type is not JSON".to_owned()));
        }
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &body
        };
        // serde_json's message can quote the offending value; the body may hold tokens, so only
        // the kind of problem and its place are kept.
        return serde_json::from_slice(body).map_err(|e| {
            unreadable(format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        });
    }
    let (meta, readable) = error_metadata(status, &headers, &body);
    tracing::debug!(
        status,
        code = meta.code.as_deref(),
        request_id = meta.request_id.as_deref(),
        "service error"
    );
    let error = match (&meta.code, readable) {
        (Some(code), _) => {
            let json: &[u8] = if readable { &body } else { b"{}" };
            match E::modelled(code, json) {
                Some(Ok(error)) => error,
                Some(Err(e)) => E::unhandled(Unhandled::new(meta.clone()).with_source(e)),
                None => E::unhandled(Unhandled::new(meta.clone())),
            }
        }
        (None, true) => E::unhandled(Unhandled::new(meta.clone())),
        (None, false) => E::unhandled(Unhandled::new(meta.clone()).with_snippet(&body)),
    };
    Err(SdkError::Service(ServiceError {
        error,
        meta,
        attempts,
    }))
}

/// The metadata of an error response, and whether its body was a JSON object.
fn error_metadata(status: u16, headers: &HeaderMap, body: &[u8]) -> (ErrorMetadata, bool) {
    let json = match json_content_type(headers) {
        true => serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).ok(),
        false => None,
    };
    let field = |names: &[&str]| {
        let json = json.as_ref()?;
        names
            .iter()
            .find_map(|name| json.get(*name)?.as_str())
            .map(str::to_owned)
    };
    let header_code = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let code = header_code
        .or_else(|| field(&["__type", "code", "Code"]))
        .map(|code| sanitize_code(&code).to_owned());
    let meta = ErrorMetadata {
        code: code.filter(|c| !c.is_empty()),
        message: field(&["message", "Message", "errorMessage"]),
        request_id: request_id(headers),
        status: Some(status),
    };
    (meta, json.is_some())
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
        .map(str::to_owned)
}

/// JSON or unstated (then the body decides).
fn json_content_type(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_TYPE) {
        Some(value) => value
            .to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("json")),
        None => true,
    }
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

    #[test]
    fn error_codes_from_header_or_body() {
        let json = headers(&[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amzn-requestid", "r-1"),
        ]);
        let (meta, readable) = error_metadata(
            400,
            &json,
            br#"{"__type":"com.amazon#NotAuthorizedException","message":"no"}"#,
        );
        assert!(readable);
        assert_eq!(meta.code.as_deref(), Some("NotAuthorizedException"));
        assert_eq!(meta.message.as_deref(), Some("no"));
        assert_eq!(meta.request_id.as_deref(), Some("r-1"));
        let (meta, _) = error_metadata(400, &json, br#"{"code":"Foo:http://x","Message":"m"}"#);
        assert_eq!(
            (meta.code.as_deref(), meta.message.as_deref()),
            (Some("Foo"), Some("m"))
        );
        let typed = headers(&[
            ("x-amzn-errortype", "ns#Bar:extra"),
            ("content-type", "text/html"),
        ]);
        let (meta, readable) = error_metadata(500, &typed, b"<html>");
        assert_eq!(meta.code.as_deref(), Some("Bar"));
        assert!(!readable);
        let (meta, readable) = error_metadata(500, &headers(&[]), b"");
        assert_eq!((meta.code, readable), (None, false));
    }

    #[test]
    fn retry_classification() {
        let json = headers(&[("content-type", "application/json")]);
        let response = |status, body: &str| Attempt::Response {
            status,
            headers: json.clone(),
            body: body.as_bytes().to_vec(),
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
