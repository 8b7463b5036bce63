//! The server side of Cognito's SRP (cognito-srp.md §16), written from the protocol and
//! independently of the engine, for tests that must check the client's proofs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

const N_HEX: &str = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

/// The server's half, written independently of the engine's code.
#[derive(Debug)]
pub struct Server {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

/// Java's `toByteArray` of a non-negative number.
pub fn pad(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes[0] >= 0x80 {
        bytes.insert(0, 0);
    }
    bytes
}

pub fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    parts.iter().for_each(|p| h.update(p));
    h.finalize().to_vec()
}

pub fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    pub fn new() -> Self {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap();
        let g = BigUint::from(2u32);
        let k = BigUint::from_bytes_be(&sha256(&[&pad(&n), &pad(&g)]));
        Server { n, g, k }
    }

    /// Registration: the verifier `v = g^x` for a salt and identity.
    pub fn verifier(&self, salt: &BigUint, realm: &str, user: &str, password: &str) -> BigUint {
        let identity = sha256(&[format!("{realm}{user}:{password}").as_bytes()]);
        let x = BigUint::from_bytes_be(&sha256(&[&pad(salt), &identity]));
        self.g.modpow(&x, &self.n)
    }

    /// `B = k·v + g^b mod N`.
    pub fn public(&self, v: &BigUint, b: &BigUint) -> BigUint {
        (&self.k * v + self.g.modpow(b, &self.n)) % &self.n
    }

    /// Recomputes the client's signature from `A`, the verifier and `b`, as Cognito does.
    pub fn expected_signature(
        &self,
        a_hex: &str,
        v: &BigUint,
        b: &BigUint,
        message: &[u8],
    ) -> String {
        let big_a = BigUint::parse_bytes(a_hex.as_bytes(), 16).unwrap();
        let big_b = self.public(v, b);
        let u = BigUint::from_bytes_be(&sha256(&[&pad(&big_a), &pad(&big_b)]));
        let s = (big_a * v.modpow(&u, &self.n)).modpow(b, &self.n);
        let prk = hmac(&pad(&u), &pad(&s));
        let key = &hmac(&prk, b"Caldera Derived Key\x01")[..16];
        STANDARD.encode(hmac(key, message))
    }
}

pub fn number(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}
