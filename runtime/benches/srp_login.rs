//! The client-side work of one SRP login: `SRP_A` (g^a), then the `PASSWORD_VERIFIER` answer
//! (g^x and (B - k·g^x)^(a + u·x), hashes, HKDF, HMAC). Compare with `gmp_baseline.py`, which
//! times the same three exponentiations with GMP; `crypto-bigint`'s are timed here.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::UNIX_EPOCH;

use cognito_idp_runtime::srp::SrpSession;
use criterion::{Criterion, criterion_group, criterion_main};

/// `kat-random-0` from `tests/data/srp-kat.json`.
const A_HEX: &str = "50ae5abeb28b85a83de1258a4a28cfd61c88605e5124fdcf5d51cb19a48ceb1001e0ec39cc22ad57ba351277be93ee48fc08d70afe0818e18df4de48b6f39aab5a095f3224b05a3e5345829619d00b7d32c4228d4b2782ef556155aaa3a5aee89a88d96734fec20ec612ced8e863e6ba073f2889308213daf35f59fb730ec5e9";
const B_HEX: &str = "169b48f02d2770062796dbdc67ffab8599d77c0e0024c14acf8eec9e38f63c70f02a888a0a1bf4c1554d4eedd788fb161e48a2b636550470d018826ff9e4d1d48e2dde499d75abae3961ea79b9b2e925b00129ccd04a84942c87009b802561a818d5251efd2747a8ccad2c2c2994afb1e4c975f0d63ff1e8904c8f5d053b7298586cd76507b0d9ee6dc4baf8374faac5b58d59d218b89a949e318b49817f4112cf50b1b664584057465516a197cebf4fe21e16c87772909c9d121239123210acc0d635ad391a789fd393bf64fa81d94ab75445c77b075e08b585eb7386f2579782024ad13fb6afec5edf0e8b857560107f60f65f3fd03492897a7ed5eb5e27a59d7e34f73388b3a450ebf216ce0b6c05d4cfe25350b885a9b51ff634c3fa0db4c5e54fee7a7067673736733cc161cae7b143ed772b5c05a8e55b220337ed33adafd65f5d8583b1e0b55c190ada2e6fd1785c3e04c9c7937fca31d36981aed552a52dd416950f40a7f46a6a24536d67fca8b895aaedbf7a367eea3d722797d45d";

/// The group's prime and Cognito's multiplier `k`.
const N_HEX: &str = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";
const K_HEX: &str = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6";

fn a_bytes() -> Vec<u8> {
    (0..A_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&A_HEX[i..i + 2], 16).unwrap())
        .collect()
}

fn parameters() -> HashMap<String, String> {
    [
        ("SRP_B", B_HEX),
        ("SALT", "a9b35bd34f385b03628bcb9d235d9018"),
        (
            "SECRET_BLOCK",
            "PQ5tTXrgGRBdRjr5TefknT1Hpab9CTKJRtJTI79QxuQ=",
        ),
        ("USER_ID_FOR_SRP", "9yt-f5hen1ymik662w8_h"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn login(c: &mut Criterion) {
    let a = a_bytes();
    let parameters = parameters();
    c.bench_function("srp login, client side", |b| {
        b.iter(|| {
            let session = SrpSession::with_private_ephemeral(black_box(&a)).unwrap();
            let srp_a = session.srp_a();
            let claim = session
                .password_verifier_at("us-west-2_rAlrqNlND", &parameters, "password", UNIX_EPOCH)
                .unwrap();
            (srp_a, claim)
        })
    });
}

/// Dudect-style: the same login with private ephemerals of very different Hamming weight and
/// length, and passwords (so `x`) of different values. The exponentiations take the same steps
/// for all of them, so the medians should differ by noise only; compare their spread with the
/// spread of repeated runs of one class.
fn timing_spread(c: &mut Criterion) {
    let parameters = parameters();
    let mut top_bit = vec![0u8; 128];
    top_bit[0] = 0x80;
    let classes: [(&str, Vec<u8>, &str); 5] = [
        ("random a", a_bytes(), "password"),
        ("a of all ones", vec![0xff; 128], "password"),
        ("a of one top bit", top_bit, "password"),
        ("a = 1", vec![1], "password"),
        (
            "random a, another password",
            a_bytes(),
            "correct horse battery staple",
        ),
    ];
    let mut group = c.benchmark_group("srp login by secret");
    for (name, a, password) in &classes {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let session = SrpSession::with_private_ephemeral(black_box(a)).unwrap();
                let claim = session
                    .password_verifier_at("us-west-2_rAlrqNlND", &parameters, password, UNIX_EPOCH)
                    .unwrap();
                (session.srp_a(), claim)
            })
        });
    }
    group.finish();
}

/// The same three exponentiations with `crypto-bigint`'s constant-time Montgomery form (the
/// RustCrypto crate built for this): `g^a`, `g^x`, `(B - k·g^x)^(a + u·x)` with the exponents'
/// lengths bounded as ours are (1024, 256 and 1025 bits). `x` and `u` are hashes, as
/// `gmp_baseline.py` takes them; `a + u·x` is summed before timing (ours sums it inside, a
/// few hundred nanoseconds).
fn crypto_bigint(c: &mut Criterion) {
    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    use crypto_bigint::{Odd, U3072, Uint};
    use num_bigint::BigUint;
    use sha2::Digest as _;

    fn uint<const LIMBS: usize>(n: &BigUint) -> Uint<LIMBS> {
        let bytes = n.to_bytes_be();
        let mut padded = vec![0u8; LIMBS * 8 - bytes.len()];
        padded.extend_from_slice(&bytes);
        Uint::from_be_slice(&padded)
    }
    let big = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
    let hashed = |what: &[u8]| BigUint::from_bytes_be(&sha2::Sha256::digest(what));
    let n = big(N_HEX);
    let a = big(A_HEX);
    let (x, u) = (hashed(b"x"), hashed(b"u"));
    let k = big(K_HEX);
    let params = FixedMontyParams::new_vartime(Odd::new(uint::<48>(&n)).unwrap());
    let g = FixedMontyForm::new(&U3072::from_u8(2), &params);
    let k = FixedMontyForm::new(&uint::<48>(&k), &params);
    let b = FixedMontyForm::new(&uint::<48>(&big(B_HEX)), &params);
    let expected = {
        let gx = BigUint::from(2u32).modpow(&x, &n);
        let base = (big(B_HEX) + &n - (big(K_HEX) * gx) % &n) % &n;
        base.modpow(&(&a + &u * &x), &n)
    };
    let (a, x, e) = (uint::<16>(&a), uint::<4>(&x), uint::<17>(&(&a + &u * &x)));
    let three = || {
        let big_a = g.pow(black_box(&a));
        let gx = g.pow(black_box(&x));
        let base = b.sub(&k.mul(&gx));
        (big_a, base.pow_bounded_exp(black_box(&e), 1025).retrieve())
    };
    assert_eq!(three().1, uint::<48>(&expected), "crypto-bigint computes S");
    c.bench_function("crypto-bigint, the three exponentiations", |bench| {
        bench.iter(three)
    });
}

criterion_group!(benches, login, timing_spread, crypto_bigint);
criterion_main!(benches);
