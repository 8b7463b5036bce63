//! Reading a response: the output, or what an error response says about itself (its code,
//! message and request id, printable and bounded), and the headers that refuse a body.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use crate::error::{
    ErrorBody, ErrorMetadata, OperationError, ResponseError, ResponseErrorKind, SdkError,
    ServiceError, Unhandled,
};
use crate::redact::printable;
use crate::untrusted::{self, Scrub};
use bytes::Bytes;

/// A response read in full.
pub(super) struct Received {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// For an error status, what the body says about the error: read once, for both the retry
    /// decision and the error.
    pub(super) error: Option<ErrorReply>,
}

/// A response read in full, after `attempts` attempts.
pub(super) struct Response {
    pub(super) received: Received,
    pub(super) attempts: u32,
}

/// The metadata of an error response, and whether its body is a JSON object.
pub(super) struct ErrorReply {
    pub(super) meta: ErrorMetadata,
    pub(super) json: bool,
}

/// Reads a response as the output or the operation's error.
pub(super) fn finish<O, E>(response: Response, scrub: Scrub<'_>) -> Result<O, SdkError<E>>
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
pub(super) fn error_reply(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    scrub: Scrub<'_>,
) -> ErrorReply {
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

pub(super) fn request_id(headers: &HeaderMap) -> Option<String> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    pub(in crate::transport) fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    fn reply(headers: &HeaderMap, body: &str) -> ErrorReply {
        error_reply(400, headers, body.as_bytes(), Scrub::error_text(&[]))
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
}
