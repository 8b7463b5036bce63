//! RFC 6238 codes, as authenticator apps compute them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// RFC 6238 (SHA-1, 30 s, 6 digits) for a base32 secret at `at`.
pub fn totp(secret: &str, at: SystemTime) -> String {
    let mut key = Vec::new();
    let (mut bits, mut value) = (0u32, 0u64);
    for c in secret.chars().filter(|c| *c != '=') {
        let digit = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .find(c.to_ascii_uppercase())
            .expect("base32") as u64;
        value = (value << 5) | digit;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    let counter = at.duration_since(UNIX_EPOCH).unwrap().as_secs() / 30;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let code = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    format!("{:06}", code % 1_000_000)
}

/// A code for now, waiting out the last seconds of a step so the server checks the same step.
pub async fn fresh_totp(secret: &str) -> String {
    let into_step = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 30;
    if into_step >= 27 {
        tokio::time::sleep(Duration::from_secs(30 - into_step)).await;
    }
    totp(secret, SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_the_rfc_6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082, of which an app shows the last 6.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of "12345678901234567890"
        assert_eq!(totp(secret, UNIX_EPOCH + Duration::from_secs(59)), "287082");
    }
}
