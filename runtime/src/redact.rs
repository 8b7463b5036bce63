//! `Debug` stand-ins for sensitive values.

use std::fmt;

/// What `Debug` prints in place of a sensitive value.
const REDACTED: &str = "*** Sensitive Data Redacted ***";

/// Prints `*** Sensitive Data Redacted ***` in place of a sensitive value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl Redacted {
    /// Keeps an optional value's presence visible, never its contents: `None` or
    /// `Some(*** Sensitive Data Redacted ***)`.
    pub fn option<T>(value: &Option<T>) -> RedactedOption {
        RedactedOption(value.is_some())
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The redacted form of an `Option`, made by [`Redacted::option`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RedactedOption(bool);

impl fmt::Debug for RedactedOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 {
            f.debug_tuple("Some").field(&Redacted).finish()
        } else {
            f.write_str("None")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_presence_but_never_contents() {
        assert_eq!(format!("{:?}", Redacted), REDACTED);
        assert_eq!(
            format!("{:?}", Redacted::option(&Some("hunter2"))),
            format!("Some({REDACTED})")
        );
        assert_eq!(format!("{:?}", Redacted::option::<String>(&None)), "None");
    }
}
