//! AWS Signature Version 4 over the `hmac` and `sha2` already in the tree, for the requests this
//! runtime sends: the canonical request, the string to sign, and the signing key, which is
//! derived once per day, region, service and secret and reused by every call in between.
//!
//! Sans-I/O: the time is an input. Checked against the AWS SigV4 test suite's vectors and, on
//! random requests, against the `aws-sigv4` crate (`tests` below).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::digest::hmac_sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Headers never signed: a proxy or the HTTP stack may change them on the way.
const UNSIGNED: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "expect"];

/// The request, as far as signing sees it.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub url: &'a reqwest::Url,
    /// Header names in lower case (as `http` keeps them), values as sent.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Who signs, for what.
pub(crate) struct Scope<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub region: &'a str,
    pub service: &'a str,
}

/// The headers a signature adds: `x-amz-date`, `x-amz-security-token` with temporary
/// credentials, and `authorization`.
#[derive(Debug)]
pub(crate) struct Signed<'a> {
    pub amz_date: String,
    pub security_token: Option<&'a str>,
    pub authorization: Zeroizing<String>,
}

/// The last signing key derived, for reuse until the day, the region, the service or the
/// credentials change. Shared by a client's clones.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    last: Mutex<Option<Arc<DerivedKey>>>,
}

struct DerivedKey {
    date: String,
    region: String,
    service: String,
    access_key_id: String,
    secret: Zeroizing<String>,
    /// HMAC keyed with the signing key, its inner and outer pads already hashed: each
    /// signature clones it.
    mac: HmacSha256,
}

/// Only what tells keys apart.
impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DerivedKey")
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl KeyCache {
    /// The signing key for `scope` on `date` (`YYYYMMDD`), derived only when it changed.
    fn key(&self, scope: &Scope<'_>, date: &str) -> Arc<DerivedKey> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(key) = last.as_ref().filter(|k| {
            k.date == date
                && k.region == scope.region
                && k.service == scope.service
                && k.access_key_id == scope.access_key_id
                && *k.secret == scope.secret_access_key
        }) {
            return key.clone();
        }
        let key = signing_key(scope.secret_access_key, date, scope.region, scope.service);
        let mac = <HmacSha256 as KeyInit>::new_from_slice(&key[..]).expect("any key length");
        let key = Arc::new(DerivedKey {
            date: date.to_owned(),
            region: scope.region.to_owned(),
            service: scope.service.to_owned(),
            access_key_id: scope.access_key_id.to_owned(),
            secret: Zeroizing::new(scope.secret_access_key.to_owned()),
            mac,
        });
        *last = Some(key.clone());
        key
    }
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Zeroizing<[u8; 32]> {
    let seed = Zeroizing::new(format!("AWS4{secret}"));
    let mut key = Zeroizing::new(hmac_sha256(seed.as_bytes(), &[date.as_bytes()]));
    for part in [region, service, "aws4_request"] {
        key = Zeroizing::new(hmac_sha256(&key[..], &[part.as_bytes()]));
    }
    key
}

/// Signs `request` at `time`, reusing the cached signing key when it still applies.
pub(crate) fn sign<'a>(
    request: &Request<'_>,
    scope: &Scope<'a>,
    time: SystemTime,
    cache: &KeyCache,
) -> Signed<'a> {
    let amz_date = amz_date(time);
    let date = &amz_date[..8];
    let security_token = scope.session_token;

    // Header names are lower case already; values are trimmed with inner runs of spaces
    // folded, as the canonical form asks.
    let host = host_header(request.url);
    let mut headers: Vec<(&str, Cow<'_, str>)> = request
        .headers
        .iter()
        .filter(|(name, _)| !UNSIGNED.contains(name) && *name != "host")
        .map(|(name, value)| (*name, fold_spaces(value)))
        .collect();
    headers.push(("host", Cow::Owned(host)));
    headers.push(("x-amz-date", Cow::Borrowed(&amz_date)));
    if let Some(token) = security_token {
        headers.push(("x-amz-security-token", Cow::Borrowed(token)));
    }
    // Stable: repeated headers keep the order sent, and become one, values joined by commas.
    headers.sort_by(|a, b| a.0.cmp(b.0));
    headers.dedup_by(|later, kept| {
        let repeated = later.0 == kept.0;
        if repeated {
            let joined = kept.1.to_mut();
            joined.push(',');
            joined.push_str(&later.1);
        }
        repeated
    });
    let merged = headers;
    let mut signed_headers = String::with_capacity(64);
    for (i, (name, _)) in merged.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }

    // Built with pushes, not `format!`: this runs on every signed call.
    let mut canonical = String::with_capacity(512);
    for part in [
        request.method,
        "\n",
        &canonical_path(request.url.path()),
        "\n",
        &canonical_query(request.url.query().unwrap_or("")),
        "\n",
    ] {
        canonical.push_str(part);
    }
    for (name, value) in &merged {
        for part in [*name, ":", value, "\n"] {
            canonical.push_str(part);
        }
    }
    for part in ["\n", &signed_headers, "\n"] {
        canonical.push_str(part);
    }
    push_hex(&mut canonical, &Sha256::digest(request.body));

    let mut credential_scope = String::with_capacity(64);
    for part in [date, "/", scope.region, "/", scope.service, "/aws4_request"] {
        credential_scope.push_str(part);
    }
    let mut string_to_sign = String::with_capacity(160);
    for part in [ALGORITHM, "\n", &amz_date, "\n", &credential_scope, "\n"] {
        string_to_sign.push_str(part);
    }
    push_hex(&mut string_to_sign, &Sha256::digest(canonical.as_bytes()));
    let key = cache.key(scope, date);
    let mut mac = key.mac.clone();
    mac.update(string_to_sign.as_bytes());
    let mut authorization = Zeroizing::new(String::with_capacity(256));
    for part in [
        ALGORITHM,
        " Credential=",
        scope.access_key_id,
        "/",
        &credential_scope,
        ", SignedHeaders=",
        &signed_headers,
        ", Signature=",
    ] {
        authorization.push_str(part);
    }
    push_hex(&mut authorization, &mac.finalize().into_bytes());
    Signed {
        amz_date,
        security_token,
        authorization,
    }
}

/// `20150830T123600Z`.
fn amz_date(time: SystemTime) -> String {
    let at = time::OffsetDateTime::from(time.max(UNIX_EPOCH));
    let mut text = String::with_capacity(16);
    let _ = write!(
        text,
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    text
}

/// The `Host` header the HTTP stack will send: the host, and the port when not the scheme's.
fn host_header(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Trimmed, with inner runs of spaces folded to one; borrowed when already so (the usual case).
fn fold_spaces(value: &str) -> Cow<'_, str> {
    if !value.starts_with(' ') && !value.ends_with(' ') && !value.contains("  ") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// The path with empty and dot segments removed (as the AWS SDKs normalize it), each segment
/// encoded again: services other than S3 sign the already-encoded path encoded once more.
fn canonical_path(path: &str) -> Cow<'_, str> {
    if path == "/" {
        return Cow::Borrowed(path);
    }
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            segment => kept.push(segment),
        }
    }
    let mut out = String::from("/");
    let encoded: Vec<String> = kept.iter().map(|s| encode(s.as_bytes())).collect();
    out.push_str(&encoded.join("/"));
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if trailing && !out.ends_with('/') {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Query parameters decoded, encoded strictly, and sorted by name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(&decode(name)), encode(&decode(value)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes every byte but the unreserved ones, upper-case hex.
fn encode(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, crate::endpoint::RESERVED).to_string()
}

/// `+` stays itself (it is not a space in these queries); bad escapes stay as they are.
fn decode(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(text).collect()
}

/// Appends lowercase hex, by table: `write!` per byte costs more than the hashing.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    /// 2015-08-30T12:36:00Z, the test suite's time.
    fn suite_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn suite_sign(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        token: Option<&str>,
    ) -> String {
        let url = reqwest::Url::parse(url).unwrap();
        let request = Request {
            method,
            url: &url,
            headers,
            body: b"",
        };
        let scope = Scope {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: token,
            region: "us-east-1",
            service: "service",
        };
        sign(&request, &scope, suite_time(), &KeyCache::default())
            .authorization
            .to_string()
    }

    /// Vectors of the AWS SigV4 test suite (request, expected signed headers and signature).
    #[test]
    fn the_aws_test_suite() {
        /// Method, URL, headers, session token, and what follows the credential scope.
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, &'a str)],
            Option<&'a str>,
            &'a str,
        );
        let cases: &[Case<'_>] = &[
            (
                "GET",
                "https://example.amazonaws.com/",
                &[],
                None,
                "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "POST",
                "https://example.amazonaws.com/",
                &[],
                None,
                "SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
            (
                "GET",
                "https://example.amazonaws.com/?Param2=value2&Param1=value1",
                &[],
                None,
                "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            (
                "POST",
                "https://example.amazonaws.com/",
                &[("my-header1", "VALUE1")],
                None,
                "SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
            ),
            (
                "GET",
                "https://example.amazonaws.com/",
                &[("my-header1", " value1"), ("my-header2", "\"a   b   c\"")],
                None,
                "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            ),
            (
                "GET",
                "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                &[],
                None,
                "SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            ),
            (
                "POST",
                "https://example.amazonaws.com/",
                &[],
                Some(TOKEN),
                "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
            ),
        ];
        for (method, url, headers, token, expected) in cases {
            let authorization = suite_sign(method, url, headers, *token);
            assert_eq!(
                authorization,
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, {expected}"
                ),
                "{method} {url}"
            );
        }
    }

    #[test]
    fn the_signing_key_is_derived_once_per_day_and_scope() {
        let cache = KeyCache::default();
        let scope = |region| Scope {
            access_key_id: AKID,
            secret_access_key: SECRET,
            session_token: None,
            region,
            service: "service",
        };
        let first = cache.key(&scope("us-east-1"), "20150830");
        assert!(Arc::ptr_eq(
            &first,
            &cache.key(&scope("us-east-1"), "20150830")
        ));
        assert!(!Arc::ptr_eq(
            &first,
            &cache.key(&scope("us-east-1"), "20150831")
        ));
        assert!(!Arc::ptr_eq(
            &first,
            &cache.key(&scope("eu-west-1"), "20150830")
        ));
        let rotated = Scope {
            secret_access_key: "another",
            ..scope("eu-west-1")
        };
        let other = cache.key(&rotated, "20150830");
        assert!(!Arc::ptr_eq(
            &other,
            &cache.key(&scope("eu-west-1"), "20150830")
        ));
        assert!(!format!("{cache:?}").contains(SECRET));
    }

    #[test]
    fn canonical_paths() {
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path("/a/./b/../c"), "/a/c");
        assert_eq!(canonical_path("//example//"), "/example/");
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/a%20b"), "/a%2520b");
        assert_eq!(canonical_path("/a/b/.."), "/a/");
    }

    /// What `aws-sigv4` (the AWS SDK's signer, a dev-dependency here) puts in `authorization`.
    fn oracle(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        scope: &Scope<'_>,
        time: SystemTime,
    ) -> String {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_sigv4::sign::v4::SigningParams;
        let credentials = aws_credential_types::Credentials::new(
            scope.access_key_id,
            scope.secret_access_key,
            scope.session_token.map(str::to_owned),
            None,
            "oracle",
        );
        let identity = credentials.into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(scope.region)
            .name(scope.service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let (headers, _) = instructions.into_parts();
        headers
            .into_iter()
            .find(|h| h.name() == "authorization")
            .map(|h| h.value().to_owned())
            .unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Random requests of the shapes this runtime sends (and then some) sign exactly as
        /// the AWS SDK signs them.
        #[test]
        fn signs_as_the_aws_sdk_does(
            method in proptest::sample::select(vec!["POST", "GET"]),
            host in proptest::sample::select(vec![
                "cognito-idp.us-east-1.amazonaws.com",
                "127.0.0.1:8080",
                "localhost",
            ]),
            path in proptest::collection::vec("[a-zA-Z0-9._~ %-]{0,6}", 0..4),
            query in proptest::collection::vec(("[a-zA-Z0-9_]{1,5}", "[a-zA-Z0-9_ -]{0,5}"), 0..3),
            headers in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "content-type", "x-amz-target", "user-agent", "x-custom", "x-amz-meta",
                    ]),
                    "[ -~]{0,12}",
                ),
                0..5,
            ),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            region in "[a-z]{2}-[a-z]{4,7}-[1-3]",
            service in "[a-z-]{3,12}",
            token in proptest::option::of("[A-Za-z0-9/+=]{8,40}"),
            secs in 0u64..4_000_000_000,
        ) {
            let path: String = path.iter().map(|p| format!("/{}", p.replace('%', "%25").replace(' ', "%20"))).collect();
            let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "%20"))).collect();
            let url = match query.is_empty() {
                true => format!("https://{host}{path}"),
                false => format!("https://{host}{path}?{}", query.join("&")),
            };
            let parsed = reqwest::Url::parse(&url).unwrap();
            let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let scope = Scope {
                access_key_id: "AKIDRANDOM",
                secret_access_key: "secret/+key",
                session_token: token.as_deref(),
                region: &region,
                service: &service,
            };
            let time = UNIX_EPOCH + Duration::from_secs(secs);
            let ours = sign(
                &Request { method, url: &parsed, headers: &headers, body: &body },
                &scope,
                time,
                &KeyCache::default(),
            );
            let theirs = oracle(method, parsed.as_str(), &headers, &body, &scope, time);
            proptest::prop_assert_eq!(ours.authorization.as_str(), theirs.as_str());
        }
    }
}
