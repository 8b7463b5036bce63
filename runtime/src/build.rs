//! The error of a builder missing a required member.

use std::fmt;

/// A required member was not set before `build()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    shape: &'static str,
    member: &'static str,
}

impl BuildError {
    /// `shape` is the Rust type being built; `member` the missing field.
    pub fn missing(shape: &'static str, member: &'static str) -> Self {
        BuildError { shape, member }
    }

    /// The Rust type that could not be built.
    pub fn shape(&self) -> &'static str {
        self.shape
    }

    /// The required member that was not set.
    pub fn member(&self) -> &'static str {
        self.member
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot build {}: the required member `{}` is not set",
            self.shape, self.member
        )
    }
}

impl std::error::Error for BuildError {}
