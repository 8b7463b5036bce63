//! The hand-written runtime of the `cognito-idp` crate.
//!
//! Generated code is data-shaped: types, their serde, their docs. Everything it needs at run time
//! that is the same for every type or operation lives here, once: redaction ([`Redacted`]),
//! values the model does not know ([`UnknownValue`]), builder errors ([`BuildError`]), the wire
//! form of timestamps and blobs ([`wire`]), errors ([`error`]), the transport ([`transport`]:
//! AWS JSON 1.1 over HTTP with SigV4, retries and timeouts, configured by [`Config`]), paginated
//! results as streams ([`paginate`]), and Cognito's SRP ([`srp`]). Above the transport, the
//! layers a model cannot describe: sign-in and sessions ([`signin`]), verifying tokens
//! ([`jwt`]), the pieces of the account journeys that need checking ([`account`]), and the
//! user-pool domain's OAuth 2.0 ([`oauth`], with a `tower` layer for bearer tokens behind the
//! `tower` feature).

pub mod account;
#[cfg(feature = "tower")]
pub mod bearer;
mod build;
pub mod config;
pub mod credentials;
mod digest;
pub mod endpoint;
pub mod error;
mod http;
pub mod jwt;
pub mod oauth;
pub mod paginate;
pub mod profile;
mod redact;
mod refresh;
mod retry;
pub mod signin;
mod sigv4;
pub mod srp;
pub mod transport;
mod unknown;
mod untrusted;
#[doc(hidden)]
pub mod wire;

pub use build::BuildError;
pub use config::{Config, ConfigBuilder, RetryConfig, TimeoutConfig};
pub use credentials::Credentials;
pub use error::SdkError;
pub use redact::{Redacted, RedactedOption, Secrets};
pub use unknown::UnknownValue;
pub use untrusted::decode;

/// Re-exported so generated code and its users name one version of these types.
pub use aws_smithy_types::{Blob, DateTime, date_time::Format as DateTimeFormat};

/// An untyped JSON value, for `document` shapes.
pub type Document = serde_json::Value;
