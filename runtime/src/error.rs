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
    pub fn with_source(mut self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
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
