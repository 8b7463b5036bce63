//! Why generation failed: a file that could not be read, JSON not of the model's form (with its
//! JSON path), an inconsistent model (with the path of the offending value), or emitted code
//! that does not parse.

use std::fmt;
use std::path::PathBuf;

/// Why generation failed.
#[derive(Debug)]
pub enum Error {
    /// A model file could not be read.
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// A model file is not JSON of the expected form.
    Json {
        file: PathBuf,
        path: String,
        source: serde_json::Error,
    },
    /// The model is inconsistent; `path` is the JSON path of the offending value.
    Model { path: String, message: String },
    /// The emitted code did not parse: a bug in an emitter.
    Emit { file: PathBuf, source: syn::Error },
}

impl Error {
    pub(crate) fn model(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { file, source } => write!(f, "{}: {source}", file.display()),
            Error::Json { file, path, source } => write!(f, "{}: {path}: {source}", file.display()),
            Error::Model { path, message } => write!(f, "{path}: {message}"),
            Error::Emit { file, source } => {
                write!(f, "emitted {} does not parse: {source}", file.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            Error::Json { source, .. } => Some(source),
            Error::Emit { source, .. } => Some(source),
            Error::Model { .. } => None,
        }
    }
}
