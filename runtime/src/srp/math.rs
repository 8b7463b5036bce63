//! The numbers of Cognito's SRP: the group, the padding rule, and each derived value.
//!
//! Every number that is hashed or used as a key goes through [`pad`] (Java's `toByteArray`:
//! minimal big-endian bytes, plus a zero byte when the top bit is set). Getting this exactly
//! right everywhere is what separates a client that always works from one that fails one login
//! in a few hundred.

use hkdf::Hkdf;
use num_bigint::BigUint;
use sha2::Sha256;
use zeroize::Zeroizing;

pub use super::group::{GROUP, pad};
use super::montgomery;
pub use super::montgomery::Exponent;
use crate::digest::sha256 as hash;

/// The HKDF `info` of the session key.
const KEY_INFO: &[u8] = b"Caldera Derived Key";

/// Limbs of a SHA-256 output used as an exponent (`x`, `u`).
pub const HASH_LIMBS: usize = 4;

/// The private ephemeral `a` from its big-endian bytes, in 128 bytes' worth of limbs whatever
/// its value, so that every exponentiation by it walks the same windows (only a longer test
/// vector takes more).
pub fn ephemeral(a: &[u8]) -> Exponent {
    Exponent::from_be_bytes(a, 16.max(a.len().div_ceil(8))).expect("sized by its own length")
}

/// `g^e mod N`, in constant time for every `e` of its length.
pub fn pow_g(e: &Exponent) -> BigUint {
    montgomery::pow_g(e)
}

/// The scrambler `u = H(pad(A) || pad(B))`.
pub fn scrambler(big_a: &BigUint, big_b: &BigUint) -> BigUint {
    BigUint::from_bytes_be(&hash(&[&pad(big_a), &pad(big_b)]))
}

/// The private key `x = H(pad(salt) || H(realm || user || ":" || password))`; `realm` is the pool
/// name for users and the device group key for devices.
pub fn private_key(salt: &BigUint, realm: &str, user: &str, password: &str) -> Exponent {
    let identity = Zeroizing::new(identity_hash(realm, user, password));
    let x = Zeroizing::new(hash(&[&pad(salt), identity.as_slice()]));
    Exponent::from_be_bytes(x.as_slice(), HASH_LIMBS).expect("a hash")
}

/// `H(realm || user || ":" || password)`, all 32 bytes (leading zeros kept).
pub fn identity_hash(realm: &str, user: &str, password: &str) -> [u8; 32] {
    hash(&[realm.as_bytes(), user.as_bytes(), b":", password.as_bytes()])
}

/// The premaster secret `S = (B - k·g^x)^(a + u·x) mod N`, with `B - k·g^x` reduced into
/// `[0, N)` first and the exponent left unreduced.
///
/// Every step that touches `a` or `x` runs in constant time ([`montgomery`]), and `S` comes
/// back as `pad(S)`, wiped when dropped.
pub fn premaster_secret(
    big_b: &BigUint,
    a: &Exponent,
    u: &BigUint,
    x: &Exponent,
) -> Zeroizing<Vec<u8>> {
    let u = Exponent::new(u, HASH_LIMBS).expect("a hash");
    let e = Exponent::a_plus_ux(a, &u, x);
    montgomery::premaster(big_b, x, &e)
}

/// The 16-byte session key: HKDF-SHA256 with `pad(S)` as input and `pad(u)` as salt.
pub fn session_key(padded_s: &[u8], u: &BigUint) -> Zeroizing<[u8; 16]> {
    let mut key = Zeroizing::new([0u8; 16]);
    Hkdf::<Sha256>::new(Some(&pad(u)), padded_s)
        .expand(KEY_INFO, key.as_mut_slice())
        .expect("16 bytes is a valid HKDF-SHA256 length");
    key
}

/// Parses hex as the references do: any case, leading zeros allowed. `None` unless every
/// character is a hex digit.
pub fn parse_hex(hex: &str) -> Option<BigUint> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(hex.as_bytes(), 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_is_cognitos_not_rfc_5054s() {
        assert_eq!(
            GROUP.k.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert_eq!(pad(&GROUP.n).len(), 385);
        assert_eq!(pad(&GROUP.g), [2]);
    }

    #[test]
    fn pad_adds_a_sign_byte_only_when_the_top_bit_is_set() {
        assert_eq!(pad(&BigUint::from(0x7fu32)), [0x7f]);
        assert_eq!(pad(&BigUint::from(0x80u32)), [0x00, 0x80]);
        assert_eq!(pad(&BigUint::from(0x0fffu32)), [0x0f, 0xff]);
        assert_eq!(pad(&BigUint::from(0u32)), [0]);
    }

    #[test]
    fn pow_g_agrees_with_modpow() {
        for hex in [
            "0",
            "1",
            "f",
            "10",
            "123456789abcdef",
            &"f".repeat(256),
            &"8".repeat(257),
            &"1".repeat(300),
        ] {
            let e = BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
            let expected = GROUP.g.modpow(&e, &GROUP.n);
            let bytes = e.to_bytes_be();
            assert_eq!(pow_g(&ephemeral(&bytes)), expected, "{hex}");
            if e.bits() <= 256 {
                let hash = Exponent::from_be_bytes(&bytes, HASH_LIMBS).unwrap();
                assert_eq!(pow_g(&hash), expected, "{hex}");
            }
        }
    }

    #[test]
    fn secrets_are_read_from_bytes_in_a_length_set_by_their_kind() {
        let leading_zeros = [0, 0, 0, 1, 2];
        let e = Exponent::from_be_bytes(&leading_zeros, 1).expect("fits once zeros are dropped");
        assert_eq!(e.to_biguint(), BigUint::from(0x0102u32));
        assert!(
            Exponent::from_be_bytes(&[1; 9], 1).is_none(),
            "nine bytes in one limb"
        );
        assert!(Exponent::from_be_bytes(&[0; 64], 1).unwrap().is_zero());
        assert!(!ephemeral(&[0, 1]).is_zero());
    }

    #[test]
    fn parse_hex_is_strict_about_characters_only() {
        assert_eq!(parse_hex("00Ff"), Some(BigUint::from(255u32)));
        assert_eq!(parse_hex("1_0"), None);
        assert_eq!(parse_hex(""), None);
        assert_eq!(parse_hex("+1"), None);
    }
}
