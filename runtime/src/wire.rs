//! Wire forms that serde does not know by itself, used as `#[serde(with = "...::wire")]`.
//!
//! On the JSON protocols a timestamp is epoch seconds (a float when it has a fraction) and a
//! blob is standard base64. [`WireValue`] covers these and every `Option`, `Vec` and `HashMap`
//! built from them, so one helper serves however deeply the model nests them.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::{Blob, DateTime};

/// A value with a protocol-defined JSON form.
pub trait WireValue: Sized {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Serializes a [`WireValue`]; the `serialize` half of `#[serde(with = "wire")]`.
pub fn serialize<T: WireValue, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    value.serialize_wire(serializer)
}

/// Deserializes a [`WireValue`]; the `deserialize` half of `#[serde(with = "wire")]`.
pub fn deserialize<'de, T: WireValue, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize_wire(deserializer)
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

impl WireValue for DateTime {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.subsec_nanos() == 0 {
            serializer.serialize_i64(self.secs())
        } else {
            serializer.serialize_f64(self.as_secs_f64())
        }
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EpochSeconds;
        impl Visitor<'_> for EpochSeconds {
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
        deserializer.deserialize_any(EpochSeconds)
    }
}

impl WireValue for Blob {
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
struct Ser<'a, T>(&'a T);

impl<T: WireValue> Serialize for Ser<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_wire(serializer)
    }
}

/// Deserializes a [`WireValue`] with plain serde.
struct De<T>(T);

impl<'de, T: WireValue> Deserialize<'de> for De<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_wire(deserializer).map(De)
    }
}

impl<T: WireValue> WireValue for Option<T> {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&Ser(value)),
            None => serializer.serialize_none(),
        }
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<De<T>>::deserialize(deserializer)?.map(|De(value)| value))
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Ser))
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<De<T>>::deserialize(deserializer)?
            .into_iter()
            .map(|De(value)| value)
            .collect())
    }
}

impl<K, V> WireValue for HashMap<K, V>
where
    K: Serialize + for<'de> Deserialize<'de> + Eq + Hash,
    V: WireValue,
{
    fn serialize_wire<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(key, value)| (key, Ser(value))))
    }

    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = HashMap::<K, De<V>>::deserialize(deserializer)?;
        Ok(map
            .into_iter()
            .map(|(key, De(value))| (key, value))
            .collect())
    }
}

/// A string, or any other JSON value kept as its JSON text.
struct LenientString(String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(LenientString(
            match serde_json::Value::deserialize(deserializer)? {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            },
        ))
    }
}

/// Deserializes a map of strings, keeping a value that is not a string as its JSON text: what
/// Cognito sends JSON-encoded (`"[\"SOFTWARE_TOKEN_MFA\"]"`), emulators sometimes send as JSON.
pub fn string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<HashMap<String, String>, D::Error> {
    let map = HashMap::<String, LenientString>::deserialize(deserializer)?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// [`string_map`] for an optional member.
pub fn optional_string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<HashMap<String, String>>, D::Error> {
    let map = Option::<HashMap<String, LenientString>>::deserialize(deserializer)?;
    Ok(map.map(|map| map.into_iter().map(|(k, v)| (k, v.0)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "super")]
        at: DateTime,
        #[serde(with = "super", default, skip_serializing_if = "Option::is_none")]
        data: Option<Blob>,
        #[serde(with = "super")]
        many: Vec<HashMap<String, DateTime>>,
    }

    #[test]
    fn timestamps_and_blobs_round_trip() {
        let json = r#"{"at":1700000000.5,"data":"aGk=","many":[{"k":12}]}"#;
        let sample: Sample = serde_json::from_str(json).unwrap();
        assert_eq!(sample.at, DateTime::from_secs_f64(1_700_000_000.5));
        assert_eq!(sample.data.as_ref().map(|b| b.as_ref()), Some(&b"hi"[..]));
        assert_eq!(serde_json::to_string(&sample).unwrap(), json);
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        for json in [
            r#"{"at":"x","many":[]}"#,
            r#"{"at":1e300,"many":[]}"#,
            r#"{"at":1,"data":"!!","many":[]}"#,
        ] {
            assert!(serde_json::from_str::<Sample>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn string_maps_keep_non_string_values_as_json_text() {
        #[derive(serde::Deserialize)]
        struct Holder {
            #[serde(deserialize_with = "super::string_map")]
            map: HashMap<String, String>,
        }
        let held: Holder =
            serde_json::from_str(r#"{"map":{"A":"plain","B":["SOFTWARE_TOKEN_MFA"],"C":7}}"#)
                .unwrap();
        assert_eq!(held.map["A"], "plain");
        assert_eq!(held.map["B"], r#"["SOFTWARE_TOKEN_MFA"]"#);
        assert_eq!(held.map["C"], "7");
    }
}
