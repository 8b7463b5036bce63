//! The SRP group of Cognito: RFC 5054's 3072-bit prime, the generator 2, and the multiplier
//! `k` derived from them. Public values, shared by the arithmetic and the constant-time field.

use std::sync::LazyLock;

use num_bigint::BigUint;

use crate::digest::sha256;

/// The 3072-bit MODP prime of RFC 5054 appendix A (RFC 3526 group 15).
const N_HEX: &str = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";

/// The group: the prime `N`, the generator `g = 2`, and `k = H(pad(N) || pad(g))`.
pub struct Group {
    pub n: BigUint,
    pub g: BigUint,
    pub k: BigUint,
}

pub static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is valid hex");
    let g = BigUint::from(2u32);
    let k = BigUint::from_bytes_be(&sha256(&[&pad(&n), &pad(&g)]));
    Group { n, g, k }
});

/// `padHex` as bytes: the minimal big-endian bytes, with a leading zero when the top bit is set.
pub fn pad(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        let mut padded = Vec::with_capacity(bytes.len() + 1);
        padded.push(0);
        padded.extend_from_slice(&bytes);
        padded
    } else {
        bytes
    }
}
