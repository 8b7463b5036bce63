//! Reading what a server sent as untrusted input.
//!
//! A response body is bounded in bytes before it is read, but bytes are not memory: `[{},{},...]`
//! costs three bytes an element on the wire and hundreds once each `{}` is a structure. Every body
//! is therefore decoded through [`Guard`], a `Deserializer` wrapper that charges each element of a
//! sequence and each entry of a map the size of the value it becomes, and stops the decoding
//! once a budget proportional to the body runs out. The same wrapper scrubs the request's
//! secrets out of every string decoded from an error body, so a server that echoes the request
//! cannot put a password into an error message.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::mem::size_of;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};

/// Memory a body of `len` bytes may decode into, beyond the body itself: enough for any real
/// response (whose structures are a fraction of their JSON), a small multiple for hostile ones.
pub(crate) fn budget_for(len: usize) -> usize {
    (1 << 20) + 2 * len
}

/// What replaces a secret found in a server's text.
const SCRUBBED: &str = "***";

/// Secrets shorter than this are too likely to occur by chance to be cut out of a message, so a
/// message holding one is withheld whole.
const SHORT_SECRET: usize = 4;

/// The longest string kept from an error body; longer ones are cut (an error code or message
/// is a line of text, not a document).
const MAX_ERROR_TEXT: usize = 1024;

/// How strings read from an error body are treated: they are text for people and logs, so they
/// lose the request's secrets, their control characters and any excess length. (Successful
/// bodies are read exactly: their tokens must stay intact.)
#[derive(Clone, Copy, Default)]
pub(crate) struct Scrub<'s> {
    secrets: &'s [&'s str],
}

impl<'s> Scrub<'s> {
    /// For error bodies of a request with these sensitive values.
    pub(crate) fn error_text(secrets: &'s [&'s str]) -> Self {
        Scrub { secrets }
    }

    /// Whether the request carried any secret a response could echo.
    pub(crate) fn holds_secrets(&self) -> bool {
        self.secrets.iter().any(|s| !s.is_empty())
    }

    /// `text` with every secret cut out; withheld whole when it holds a very short one.
    pub(crate) fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            if !out.contains(secret) {
                continue;
            }
            if secret.chars().count() < SHORT_SECRET {
                return Cow::Borrowed("(withheld: it may repeat a sensitive request member)");
            }
            out = Cow::Owned(out.replace(secret, SCRUBBED));
        }
        match crate::redact::printable(&out, MAX_ERROR_TEXT) {
            Cow::Borrowed(_) => out,
            Cow::Owned(clean) => Cow::Owned(clean),
        }
    }
}

/// Why a body could not be decoded into the expected type. Never quotes the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON, or JSON cut short.
    Syntax { line: usize, column: usize },
    /// JSON, but not the expected shape (a wrong type, a bad value).
    Shape { line: usize, column: usize },
    /// It would take more memory than a body of its size may.
    OverBudget { budget: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Syntax { line, column } => {
                write!(f, "not valid JSON (line {line}, column {column})")
            }
            DecodeError::Shape { line, column } => write!(
                f,
                "JSON that does not have the expected shape (line {line}, column {column})"
            ),
            DecodeError::OverBudget { budget } => write!(
                f,
                "out of proportion to its size: it would decode into more than {budget} bytes"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a successful response's body as the client does: JSON into `T`, within the memory
/// budget of a body of its length, with a [`DecodeError`] that says where, never what. For
/// bodies that came another way (recordings, replays).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    read::<T, false>(body, Scrub::default())
}

/// Decodes an error body as a `T` within its memory budget, every string it holds treated by
/// `scrub`.
pub(crate) fn decode_error_text<T: DeserializeOwned>(
    body: &[u8],
    scrub: Scrub<'_>,
) -> Result<T, DecodeError> {
    read::<T, true>(body, scrub)
}

/// Decodes `body` as a `T` within its memory budget; `SCRUB` says whether strings go through
/// `scrub` (a type parameter, so successful bodies pay nothing for it).
fn read<T: DeserializeOwned, const SCRUB: bool>(
    body: &[u8],
    scrub: Scrub<'_>,
) -> Result<T, DecodeError> {
    let budget = budget_for(body.len());
    let limits = Limits {
        left: Cell::new(budget),
        exhausted: Cell::new(false),
        scrub,
    };
    // Checked once here rather than string by string as `Deserializer::from_slice` would: most
    // of a body is strings, and one pass over the whole is a fraction of the cost.
    let text = std::str::from_utf8(body).map_err(|e| not_utf8(body, e.valid_up_to()))?;
    let mut json = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Guard::<_, SCRUB> {
        inner: &mut json,
        limits: &limits,
    })
    .and_then(|value| json.end().map(|()| value));
    value.map_err(|e| {
        if limits.exhausted.get() {
            return DecodeError::OverBudget { budget };
        }
        let (line, column) = (e.line(), e.column());
        match e.classify() {
            serde_json::error::Category::Data => DecodeError::Shape { line, column },
            _ => DecodeError::Syntax { line, column },
        }
    })
}

/// Where the first byte that is not UTF-8 is, as `serde_json` would say it.
fn not_utf8(body: &[u8], at: usize) -> DecodeError {
    let before = &body[..at];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    DecodeError::Syntax { line, column }
}

struct Limits<'s> {
    left: Cell<usize>,
    exhausted: Cell<bool>,
    scrub: Scrub<'s>,
}

impl Limits<'_> {
    /// Spends the memory one decoded `T` takes in its container.
    fn charge<T, E: de::Error>(&self) -> Result<(), E> {
        // Zero-sized values still cost their container bookkeeping.
        let cost = size_of::<T>().max(1);
        match self.left.get().checked_sub(cost) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exhausted.set(true);
                Err(E::custom("over the decoding budget"))
            }
        }
    }
}

/// A deserializer whose every nested sequence and map is charged to `limits`.
struct Guard<'l, 's, D, const SCRUB: bool> {
    inner: D,
    limits: &'l Limits<'s>,
}

/// A visitor that wraps what it is handed in the guard again.
struct Guarded<'l, 's, V, const SCRUB: bool> {
    inner: V,
    limits: &'l Limits<'s>,
    /// The visitor reads a structure, whose members live inline: their entries cost nothing
    /// beyond the structure, which its container already paid for.
    structure: bool,
}

impl<'l, 's, V, const SCRUB: bool> Guarded<'l, 's, V, SCRUB> {
    /// `text` as the body's kind wants it: a successful body's strings pass untouched, and
    /// the check costs nothing there.
    fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match SCRUB {
            true => self.limits.scrub.text(text),
            false => Cow::Borrowed(text),
        }
    }

    fn new(inner: V, limits: &'l Limits<'s>) -> Self {
        Guarded {
            inner,
            limits,
            structure: false,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method(Guarded::<_, SCRUB>::new(visitor, self.limits))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>, const SCRUB: bool> Deserializer<'de> for Guard<'_, '_, D, SCRUB> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner
            .deserialize_unit_struct(name, Guarded::<_, SCRUB>::new(visitor, self.limits))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner
            .deserialize_newtype_struct(name, Guarded::<_, SCRUB>::new(visitor, self.limits))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner
            .deserialize_tuple(len, Guarded::<_, SCRUB>::new(visitor, self.limits))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(
            name,
            len,
            Guarded::<_, SCRUB>::new(visitor, self.limits),
        )
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = Guarded {
            structure: true,
            ..Guarded::<_, SCRUB>::new(visitor, self.limits)
        };
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(
            name,
            variants,
            Guarded::<_, SCRUB>::new(visitor, self.limits),
        )
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.inner.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>, const SCRUB: bool> Visitor<'de> for Guarded<'_, '_, V, SCRUB> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        match self.scrub(value) {
            Cow::Borrowed(value) => self.inner.visit_str(value),
            Cow::Owned(value) => self.inner.visit_string(value),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        match self.scrub(value) {
            Cow::Borrowed(value) => self.inner.visit_borrowed_str(value),
            Cow::Owned(value) => self.inner.visit_string(value),
        }
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        match self.scrub(&value) {
            Cow::Borrowed(_) => self.inner.visit_string(value),
            Cow::Owned(scrubbed) => self.inner.visit_string(scrubbed),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Guard::<_, SCRUB> {
            inner,
            limits: self.limits,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Guard::<_, SCRUB> {
            inner,
            limits: self.limits,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(GuardedSeq::<_, SCRUB> {
            inner: seq,
            limits: self.limits,
        })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(GuardedMap::<_, SCRUB> {
            inner: map,
            limits: self.limits,
            charged: !self.structure,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // JSON has no enums of its own: only a type that asked for one gets here, and it reads
        // a bare string or a one-entry object, both already bounded by the body.
        self.inner.visit_enum(data)
    }
}

/// A seed whose deserializer is guarded.
struct GuardedSeed<'l, 's, S, const SCRUB: bool> {
    inner: S,
    limits: &'l Limits<'s>,
}

impl<'de, S: DeserializeSeed<'de>, const SCRUB: bool> DeserializeSeed<'de>
    for GuardedSeed<'_, '_, S, SCRUB>
{
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Guard::<_, SCRUB> {
            inner,
            limits: self.limits,
        })
    }
}

struct GuardedSeq<'l, 's, A, const SCRUB: bool> {
    inner: A,
    limits: &'l Limits<'s>,
}

impl<'de, A: de::SeqAccess<'de>, const SCRUB: bool> de::SeqAccess<'de>
    for GuardedSeq<'_, '_, A, SCRUB>
{
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.limits.charge::<T::Value, A::Error>()?;
        self.inner.next_element_seed(GuardedSeed::<_, SCRUB> {
            inner: seed,
            limits: self.limits,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct GuardedMap<'l, 's, A, const SCRUB: bool> {
    inner: A,
    limits: &'l Limits<'s>,
    /// Whether entries are charged: yes for maps, no for a structure's members.
    charged: bool,
}

impl<'de, A: de::MapAccess<'de>, const SCRUB: bool> de::MapAccess<'de>
    for GuardedMap<'_, '_, A, SCRUB>
{
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.charged {
            self.limits.charge::<K::Value, A::Error>()?;
        }
        self.inner.next_key_seed(GuardedSeed::<_, SCRUB> {
            inner: seed,
            limits: self.limits,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if self.charged {
            self.limits.charge::<V::Value, A::Error>()?;
        }
        self.inner.next_value_seed(GuardedSeed::<_, SCRUB> {
            inner: seed,
            limits: self.limits,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read<T: DeserializeOwned>(body: &str) -> Result<T, DecodeError> {
        decode(body.as_bytes())
    }

    #[test]
    fn reads_ordinary_values() {
        let map: HashMap<String, Vec<u32>> = read(r#"{"a":[1,2],"b":[]}"#).unwrap();
        assert_eq!(map["a"], [1, 2]);
        let value: serde_json::Value = read(r#"{"x":[null,true,"s",1.5]}"#).unwrap();
        assert_eq!(value["x"][2], "s");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_a_syntax_error_where_they_stand() {
        let body = b"{\n  \"a\": \"caf\xe9\"}";
        let error = decode::<serde_json::Value>(body).unwrap_err();
        assert_eq!(
            error,
            DecodeError::Syntax {
                line: 2,
                column: 12
            }
        );
        // Valid UTF-8 that is not JSON still says where, as serde_json does.
        let error = read::<serde_json::Value>("{\n  \"a\": nope}").unwrap_err();
        assert!(
            matches!(error, DecodeError::Syntax { line: 2, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn amplifying_bodies_run_out_of_budget() {
        // Every element costs size_of::<[u64; 64]>() = 512 bytes from 2 bytes of JSON.
        let body = format!("[{}0]", "0,".repeat(1 << 20));
        let expanded = decode::<Vec<Big>>(body.as_bytes());
        assert!(
            matches!(expanded, Err(DecodeError::OverBudget { .. })),
            "{expanded:?}"
        );
        // The same count of bytes fits: 1 byte each from 2.
        let small = decode::<Vec<u8>>(body.as_bytes()).unwrap();
        assert_eq!(small.len(), (1 << 20) + 1);
    }

    /// A value far larger than its JSON.
    #[derive(Debug)]
    struct Big(#[allow(dead_code)] [u64; 64]);

    impl<'de> serde::Deserialize<'de> for Big {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            u64::deserialize(d).map(|n| Big([n; 64]))
        }
    }

    #[test]
    fn errors_say_where_without_quoting() {
        let bad = read::<Vec<u32>>(r#"[1,"hunter2"]"#).unwrap_err();
        assert_eq!(
            bad,
            DecodeError::Shape {
                line: 1,
                column: 12
            }
        );
        assert!(!bad.to_string().contains("hunter2"));
        let cut = read::<Vec<u32>>("[1,").unwrap_err();
        assert!(matches!(cut, DecodeError::Syntax { .. }));
        assert!(matches!(
            read::<Vec<u32>>("[1] x"),
            Err(DecodeError::Syntax { .. })
        ));
    }

    #[test]
    fn secrets_are_scrubbed_from_decoded_strings() {
        let secrets = ["hunter2-long", "ab"];
        let scrub = Scrub::error_text(&secrets);
        let body = r#"{"message":"bad password hunter2-long","other":"x\u0068unter2-long"}"#;
        let read: HashMap<String, String> = decode_error_text(body.as_bytes(), scrub).unwrap();
        assert_eq!(read["message"], "bad password ***");
        assert_eq!(read["other"], "x***");
        let short: HashMap<String, String> =
            decode_error_text(br#"{"m":"user ab unknown"}"#, scrub).unwrap();
        assert!(!short["m"].contains("ab"), "{}", short["m"]);
        let noisy: Vec<String> = decode_error_text(
            format!(r#"["\u001b[31mred\r\n{}"]"#, "x".repeat(5000)).as_bytes(),
            scrub,
        )
        .unwrap();
        assert!(
            noisy[0].starts_with(r"\u{1b}[31mred\r\nxxx"),
            "{}",
            noisy[0]
        );
        // Cut after MAX_ERROR_TEXT characters of the original; the escapes add a few.
        assert!(noisy[0].ends_with('…'));
        assert_eq!(noisy[0].chars().count(), MAX_ERROR_TEXT + 1 + 5 + 1 + 1);
    }
}
