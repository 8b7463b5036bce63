//! The HTTP client this crate makes, and reading a body within a limit: shared by the
//! transport, the credentials sources and the key-set fetch of token verification.

use std::sync::Arc;

use bytes::Bytes;

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

/// A body read chunk by chunk: a body that arrives in one chunk (most do) is kept as it came,
/// others are joined in a buffer sized from the stated length (already checked against the
/// limit) and grown past it only as far as the limit.
pub(crate) struct Collected {
    first: Option<Bytes>,
    joined: Vec<u8>,
    stated: usize,
    pub(crate) len: usize,
}

impl Collected {
    pub(crate) fn new(stated: Option<u64>) -> Self {
        Collected {
            first: None,
            joined: Vec::new(),
            stated: stated.map_or(0, |n| n as usize),
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, chunk: Bytes) {
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

    pub(crate) fn finish(self) -> Bytes {
        match self.first {
            Some(first) => first,
            None => Bytes::from(self.joined),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
