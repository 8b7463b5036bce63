//! Enum values the model does not list.

use std::fmt;

/// A value of a string enum that this version of the crate does not know, kept byte for byte
/// so that it is written back unchanged. Match on the known variants and treat this one as "other".
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    /// Generated code calls this for a value no variant matches.
    #[doc(hidden)]
    pub fn new(value: &str) -> Self {
        UnknownValue(value.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}
