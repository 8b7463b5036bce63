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

/// A request value that can list its sensitive strings, so that nothing read back from the
/// service (an error message that echoes the request, say) can show them.
///
/// Generated structures implement it member by member from the model's sensitivity; here are
/// the containers and scalars they are built from.
pub trait Secrets {
    /// Pushes the value's sensitive strings onto `found`; every string when `all` (the value
    /// sits inside a sensitive member).
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>);
}

impl Secrets for String {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        if all {
            found.push(self);
        }
    }
}

impl<T: Secrets> Secrets for Option<T> {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        if let Some(value) = self {
            value.secrets(all, found);
        }
    }
}

impl<T: Secrets> Secrets for Box<T> {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        (**self).secrets(all, found);
    }
}

impl<T: Secrets> Secrets for Vec<T> {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        for item in self {
            item.secrets(all, found);
        }
    }
}

/// A map's keys name its entries (`PASSWORD`, `SECRET_HASH`): only the values are secret.
impl<K, V: Secrets, S> Secrets for std::collections::HashMap<K, V, S> {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        for value in self.values() {
            value.secrets(all, found);
        }
    }
}

impl Secrets for serde_json::Value {
    fn secrets<'a>(&'a self, all: bool, found: &mut Vec<&'a str>) {
        match self {
            serde_json::Value::String(text) => text.secrets(all, found),
            serde_json::Value::Array(items) => items.iter().for_each(|v| v.secrets(all, found)),
            serde_json::Value::Object(map) => map.values().for_each(|v| v.secrets(all, found)),
            _ => {}
        }
    }
}

/// Values without text: nothing to hide in a message.
macro_rules! no_secrets {
    ($($ty:ty),*) => {
        $(
            impl Secrets for $ty {
                fn secrets<'a>(&'a self, _all: bool, _found: &mut Vec<&'a str>) {}
            }
        )*
    };
}

no_secrets!(bool, i32, i64, f32, f64, crate::Blob, crate::DateTime);

/// `text` fit for an error message or a log line: control characters (terminal escapes, line
/// breaks) escaped, and at most `max_chars` characters, cut with `…`.
pub(crate) fn printable(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    let clean = text.chars().take(max_chars).all(|c| !c.is_control())
        && text.chars().nth(max_chars).is_none();
    if clean {
        return text.into();
    }
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
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

    #[test]
    fn secrets_of_containers() {
        let mut found = Vec::new();
        let plain = vec![Some("a".to_owned())];
        plain.secrets(false, &mut found);
        assert!(found.is_empty());
        plain.secrets(true, &mut found);
        assert_eq!(found, ["a"]);
        let map: std::collections::HashMap<String, String> =
            [("k".to_owned(), "v".to_owned())].into();
        let json = serde_json::json!({"j": ["w", 1]});
        found.clear();
        map.secrets(true, &mut found);
        json.secrets(true, &mut found);
        assert_eq!(found, ["v", "w"]);
    }
}
