//! Wire forms that serde does not know by itself, used as `#[serde(with = "...::wire")]`.
//!
//! On the JSON protocols a timestamp is epoch seconds (a float when it has a fraction) and a
//! blob is standard base64. [`WireValue`] covers these and every `Option`, `Vec` and `HashMap`
//! built from them, so one helper serves however deeply the model nests them.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use aws_smithy_types::date_time::Format;

use crate::{Blob, DateTime};

/// A value with a protocol-defined JSON form; `F` is how its timestamps are written.
pub trait WireValue<F: TimeFormat = EpochSeconds>: Sized {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// How a model writes a timestamp (its `timestampFormat`), as a type: one generic
/// [`WireValue`] impl then serves every nesting of every format.
pub trait TimeFormat {
    fn write<S: Serializer>(at: &DateTime, serializer: S) -> Result<S::Ok, S::Error>;
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error>;
}

/// Seconds since the epoch, a float when there is a fraction: the JSON protocols' default.
#[derive(Debug)]
pub enum EpochSeconds {}

/// RFC 3339 text (`iso8601` in models): `2023-11-14T22:13:20Z`.
#[derive(Debug)]
pub enum Iso8601 {}

/// RFC 7231 text (`rfc822` in models): `Tue, 14 Nov 2023 22:13:20 GMT`.
#[derive(Debug)]
pub enum HttpDate {}

/// Serializes a [`WireValue`] with epoch-second timestamps: `#[serde(serialize_with = ..)]`.
pub fn serialize<T: WireValue, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.serialize_wire(serializer)
}

/// [`serialize`] for a member whose timestamps are written another way:
/// `serialize_with = "wire::serialize_as::<wire::Iso8601, _, _>"`.
pub fn serialize_as<F: TimeFormat, T: WireValue<F>, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.serialize_wire(serializer)
}

/// Reads a [`WireValue`] where a `Deserialize` type is expected: `map.next_value::<Wire<T>>()`.
#[derive(Debug)]
pub struct Wire<T, F = EpochSeconds>(pub T, PhantomData<F>);

impl<'de, T: WireValue<F>, F: TimeFormat> Deserialize<'de> for Wire<T, F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_wire(deserializer).map(|value| Wire(value, PhantomData))
    }
}

/// A structure read from a JSON object one member at a time into its builder.
///
/// Generated structures implement this instead of deriving `Deserialize`: one `match` arm per
/// member is a fraction of the code the derive expands to, which is most of the generated
/// crate's build time.
pub trait ReadFields: Sized {
    /// The builder the members are read into.
    type Builder: Default;
    /// The type's name, for error messages.
    const NAME: &'static str;

    /// Reads the value of the member named `key` (ignoring members it does not know).
    fn read_field<'de, A: de::MapAccess<'de>>(
        builder: &mut Self::Builder,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// Builds the value once every member is read.
    fn finish(builder: Self::Builder) -> Result<Self, crate::BuildError>;
}

/// A member name, borrowed from the input when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(name.into()))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key<'de>, E> {
                Ok(Key(name.to_owned().into()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// `Deserialize::deserialize` for a [`ReadFields`] structure.
pub fn deserialize_struct<'de, T: ReadFields, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct StructVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: ReadFields> Visitor<'de> for StructVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} object", T::NAME)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut builder = T::Builder::default();
            while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                T::read_field(&mut builder, &key, &mut map)?;
            }
            T::finish(builder).map_err(de::Error::custom)
        }
    }
    // As a struct, not a map: its members live inline, so reading them allocates nothing
    // beyond the structure itself (`untrusted` charges maps' entries, not these).
    deserializer.deserialize_struct(T::NAME, &[], StructVisitor(std::marker::PhantomData))
}

/// The value a required member takes when a response leaves it out: its type's empty value.
///
/// The official SDKs do the same: one user attribute without its `Name` should not lose a
/// whole page of users.
pub trait Empty {
    fn empty() -> Self;
}

/// A required member the response left out: logged, and filled with its empty value.
pub fn missing<T: Empty>(structure: &'static str, member: &'static str) -> T {
    tracing::warn!(
        structure,
        member,
        "a required member is missing from the response; using its empty value"
    );
    T::empty()
}

macro_rules! empty_by_default {
    ($($ty:ty),*) => {
        $(
            impl Empty for $ty {
                fn empty() -> Self {
                    Default::default()
                }
            }
        )*
    };
}

empty_by_default!(String, bool, i32, i64, f32, f64, serde_json::Value);

impl<T> Empty for Vec<T> {
    fn empty() -> Self {
        Vec::new()
    }
}

impl<K, V> Empty for HashMap<K, V> {
    fn empty() -> Self {
        HashMap::new()
    }
}

impl<T: Empty> Empty for Box<T> {
    fn empty() -> Self {
        Box::new(T::empty())
    }
}

impl Empty for DateTime {
    fn empty() -> Self {
        DateTime::from_secs(0)
    }
}

impl Empty for Blob {
    fn empty() -> Self {
        Blob::new(Vec::new())
    }
}

/// Deserializes a string enum through its `From<&str>`, which keeps unknown values.
pub fn deserialize_enum<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: for<'a> From<&'a str>,
    D: Deserializer<'de>,
{
    struct EnumVisitor<T>(std::marker::PhantomData<T>);
    impl<T: for<'a> From<&'a str>> Visitor<'_> for EnumVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }
    deserializer.deserialize_str(EnumVisitor(std::marker::PhantomData))
}

impl<F: TimeFormat> WireValue<F> for DateTime {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        F::write(self, serializer)
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        F::read(deserializer)
    }
}

impl TimeFormat for EpochSeconds {
    fn write<S: Serializer>(at: &DateTime, serializer: S) -> Result<S::Ok, S::Error> {
        if at.subsec_nanos() == 0 {
            serializer.serialize_i64(at.secs())
        } else {
            serializer.serialize_f64(at.as_secs_f64())
        }
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        struct Seconds;
        impl Visitor<'_> for Seconds {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp in epoch seconds")
            }
            fn visit_i64<E: de::Error>(self, secs: i64) -> Result<DateTime, E> {
                Ok(DateTime::from_secs(secs))
            }
            fn visit_u64<E: de::Error>(self, secs: u64) -> Result<DateTime, E> {
                i64::try_from(secs)
                    .map(DateTime::from_secs)
                    .map_err(|_| E::custom("timestamp out of range"))
            }
            fn visit_f64<E: de::Error>(self, secs: f64) -> Result<DateTime, E> {
                // Far past any date a service sends; also keeps the conversion exact and finite.
                if secs.is_finite() && secs.abs() < 1e15 {
                    Ok(DateTime::from_secs_f64(secs))
                } else {
                    Err(E::custom("timestamp out of range"))
                }
            }
        }
        deserializer.deserialize_any(Seconds)
    }
}

/// Writes and reads a timestamp as text in `format`.
fn write_text<S: Serializer>(
    at: &DateTime,
    format: Format,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let text = at
        .fmt(format)
        .map_err(|_| serde::ser::Error::custom("timestamp out of range"))?;
    serializer.serialize_str(&text)
}

fn read_text<'de, D: Deserializer<'de>>(
    deserializer: D,
    format: Format,
) -> Result<DateTime, D::Error> {
    struct Text(Format);
    impl Visitor<'_> for Text {
        type Value = DateTime;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a timestamp as text")
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<DateTime, E> {
            // The parser's message may quote the input: say only what was wrong.
            DateTime::from_str(value, self.0).map_err(|_| E::custom("invalid timestamp"))
        }
    }
    deserializer.deserialize_str(Text(format))
}

impl TimeFormat for Iso8601 {
    fn write<S: Serializer>(at: &DateTime, serializer: S) -> Result<S::Ok, S::Error> {
        write_text(at, Format::DateTime, serializer)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        read_text(deserializer, Format::DateTime)
    }
}

impl TimeFormat for HttpDate {
    fn write<S: Serializer>(at: &DateTime, serializer: S) -> Result<S::Ok, S::Error> {
        write_text(at, Format::HttpDate, serializer)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        read_text(deserializer, Format::HttpDate)
    }
}

impl<F: TimeFormat> WireValue<F> for Blob {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(self.as_ref()))
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64;
        impl Visitor<'_> for Base64 {
            type Value = Blob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Blob, E> {
                STANDARD
                    .decode(value)
                    .map(Blob::new)
                    .map_err(|_| E::custom("invalid base64"))
            }
        }
        deserializer.deserialize_str(Base64)
    }
}

/// Serializes a borrowed [`WireValue`] with plain serde.
struct Ser<'a, T, F>(&'a T, PhantomData<F>);

impl<T: WireValue<F>, F: TimeFormat> Serialize for Ser<'_, T, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(serializer)
    }
}

fn ser<T, F>(value: &T) -> Ser<'_, T, F> {
    Ser(value, PhantomData)
}

/// Deserializes a [`WireValue`] with plain serde.
struct De<T, F>(T, PhantomData<F>);

impl<'de, T: WireValue<F>, F: TimeFormat> Deserialize<'de> for De<T, F> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_wire(deserializer).map(|value| De(value, PhantomData))
    }
}

impl<T: WireValue<F>, F: TimeFormat> WireValue<F> for Option<T> {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&ser::<T, F>(value)),
            None => serializer.serialize_none(),
        }
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<De<T, F>>::deserialize(deserializer)?.map(|De(value, _)| value))
    }
}

impl<T: WireValue<F>, F: TimeFormat> WireValue<F> for Vec<T> {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(ser::<T, F>))
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<De<T, F>>::deserialize(deserializer)?
            .into_iter()
            .map(|De(value, _)| value)
            .collect())
    }
}

impl<K, V, F> WireValue<F> for HashMap<K, V>
where
    K: Serialize + for<'de> Deserialize<'de> + Eq + Hash,
    V: WireValue<F>,
    F: TimeFormat,
{
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(key, value)| (key, ser::<V, F>(value))))
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = HashMap::<K, De<V, F>>::deserialize(deserializer)?;
        Ok(map
            .into_iter()
            .map(|(key, De(value, _))| (key, value))
            .collect())
    }
}

/// A fresh idempotency token: a random (version 4) UUID, as the AWS SDKs make them.
pub fn idempotency_token() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the token would repeat across calls; the clock is the fallback.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A string, or `None` for any other JSON value (which is skipped unread).
pub(crate) struct TextOrOther(pub Option<String>);

impl<'de> Deserialize<'de> for TextOrOther {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = TextOrOther;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<TextOrOther, E> {
                Ok(TextOrOther(Some(value.to_owned())))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<TextOrOther, E> {
                Ok(TextOrOther(Some(value)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<TextOrOther, E> {
                Ok(TextOrOther(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<TextOrOther, E> {
                Ok(TextOrOther(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<TextOrOther, E> {
                Ok(TextOrOther(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<TextOrOther, E> {
                Ok(TextOrOther(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<TextOrOther, E> {
                Ok(TextOrOther(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<TextOrOther, A::Error> {
                de::IgnoredAny.visit_seq(seq).map(|_| TextOrOther(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<TextOrOther, A::Error> {
                de::IgnoredAny.visit_map(map).map(|_| TextOrOther(None))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

/// One value of a string map: a string, `null` (an absent entry), or a list of strings.
enum MapValue {
    Text(String),
    Absent,
}

impl<'de> Deserialize<'de> for MapValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Value;
        impl<'de> Visitor<'de> for Value {
            type Value = MapValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, null or a list of strings")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<MapValue, E> {
                Ok(MapValue::Text(value.to_owned()))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<MapValue, E> {
                Ok(MapValue::Text(value))
            }
            fn visit_unit<E: de::Error>(self) -> Result<MapValue, E> {
                Ok(MapValue::Absent)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<MapValue, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                serde_json::to_string(&items)
                    .map(MapValue::Text)
                    .map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(Value)
    }
}

/// A map of strings as a service sends it. `null` is an absent entry (never the text "null").
/// A list of strings is kept as its JSON text, the form Cognito gives lists inside its string
/// maps (`"[\"SOFTWARE_TOKEN_MFA\"]"`), which emulators send as real lists. Any other value
/// (a number, a boolean, an object) is an error: nothing is coerced in silence.
#[derive(Debug)]
pub struct StringMap(pub HashMap<String, String>);

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = HashMap::<String, MapValue>::deserialize(deserializer)?;
        Ok(StringMap(
            map.into_iter()
                .filter_map(|(key, value)| match value {
                    MapValue::Text(text) => Some((key, text)),
                    MapValue::Absent => None,
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: WireValue>(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str::<Wire<T>>(json).map(|wire| wire.0)
    }

    fn write<T: WireValue>(value: &T) -> String {
        serialize(value, serde_json::value::Serializer)
            .unwrap()
            .to_string()
    }

    #[test]
    fn timestamps_and_blobs_round_trip() {
        let at: DateTime = read("1700000000.5").unwrap();
        assert_eq!(at, DateTime::from_secs_f64(1_700_000_000.5));
        assert_eq!(write(&at), "1700000000.5");
        let data: Option<Blob> = read(r#""aGk=""#).unwrap();
        assert_eq!(data.as_ref().map(|b| b.as_ref()), Some(&b"hi"[..]));
        assert_eq!(write(&data), r#""aGk=""#);
        let many: Vec<HashMap<String, DateTime>> = read(r#"[{"k":12}]"#).unwrap();
        assert_eq!(write(&many), r#"[{"k":12}]"#);
    }

    #[test]
    fn timestamps_as_text_where_the_model_says() {
        let text = r#"[{"k":"2023-11-14T22:13:20.5Z"}]"#;
        let many: Vec<HashMap<String, DateTime>> =
            serde_json::from_str::<Wire<_, Iso8601>>(text).unwrap().0;
        assert_eq!(many[0]["k"], DateTime::from_secs_f64(1_700_000_000.5));
        let written = serialize_as::<Iso8601, _, _>(&many, serde_json::value::Serializer).unwrap();
        assert_eq!(written.to_string(), text);

        let http = r#""Tue, 14 Nov 2023 22:13:20 GMT""#;
        let at = serde_json::from_str::<Wire<DateTime, HttpDate>>(http)
            .unwrap()
            .0;
        assert_eq!(at, DateTime::from_secs(1_700_000_000));
        let written =
            serialize_as::<HttpDate, _, _>(&Some(at), serde_json::value::Serializer).unwrap();
        assert_eq!(written.to_string(), http);

        // Epoch seconds where text is expected, and text that is no date, are refused without
        // quoting what was sent.
        assert!(serde_json::from_str::<Wire<DateTime, Iso8601>>("1700000000").is_err());
        let bad = serde_json::from_str::<Wire<DateTime, Iso8601>>(r#""secret-ish""#).unwrap_err();
        assert!(!bad.to_string().contains("secret-ish"), "{bad}");
    }

    #[test]
    fn idempotency_tokens_are_fresh_version_4_uuids() {
        let (a, b) = (idempotency_token(), idempotency_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        assert!(read::<DateTime>(r#""x""#).is_err());
        assert!(read::<DateTime>("1e300").is_err());
        assert!(read::<Blob>(r#""!!""#).is_err());
    }

    #[test]
    fn string_maps_drop_nulls_keep_lists_and_refuse_the_rest() {
        let held: StringMap =
            serde_json::from_str(r#"{"A":"plain","B":["SOFTWARE_TOKEN_MFA"],"C":null}"#).unwrap();
        assert_eq!(held.0["A"], "plain");
        assert_eq!(held.0["B"], r#"["SOFTWARE_TOKEN_MFA"]"#);
        assert!(!held.0.contains_key("C"));
        for bad in [
            r#"{"SRP_B":2}"#,
            r#"{"A":true}"#,
            r#"{"A":{}}"#,
            r#"{"A":[1]}"#,
        ] {
            assert!(serde_json::from_str::<StringMap>(bad).is_err(), "{bad}");
        }
    }
}
