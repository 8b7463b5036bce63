//! The client-side work of one SRP login: `SRP_A` (g^a), then the `PASSWORD_VERIFIER` answer
//! (g^x and (B - k·g^x)^(a + u·x), hashes, HKDF, HMAC). Compare with `gmp_baseline.py`, which
//! times the same three exponentiations with GMP.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::UNIX_EPOCH;

use cognito_idp_runtime::srp::SrpSession;
use criterion::{Criterion, criterion_group, criterion_main};

/// `kat-random-0` from `tests/data/srp-kat.json`.
const A_HEX: &str = "50ae5abeb28b85a83de1258a4a28cfd61c88605e5124fdcf5d51cb19a48ceb1001e0ec39cc22ad57ba351277be93ee48fc08d70afe0818e18df4de48b6f39aab5a095f3224b05a3e5345829619d00b7d32c4228d4b2782ef556155aaa3a5aee89a88d96734fec20ec612ced8e863e6ba073f2889308213daf35f59fb730ec5e9";
const B_HEX: &str = "169b48f02d2770062796dbdc67ffab8599d77c0e0024c14acf8eec9e38f63c70f02a888a0a1bf4c1554d4eedd788fb161e48a2b636550470d018826ff9e4d1d48e2dde499d75abae3961ea79b9b2e925b00129ccd04a84942c87009b802561a818d5251efd2747a8ccad2c2c2994afb1e4c975f0d63ff1e8904c8f5d053b7298586cd76507b0d9ee6dc4baf8374faac5b58d59d218b89a949e318b49817f4112cf50b1b664584057465516a197cebf4fe21e16c87772909c9d121239123210acc0d635ad391a789fd393bf64fa81d94ab75445c77b075e08b585eb7386f2579782024ad13fb6afec5edf0e8b857560107f60f65f3fd03492897a7ed5eb5e27a59d7e34f73388b3a450ebf216ce0b6c05d4cfe25350b885a9b51ff634c3fa0db4c5e54fee7a7067673736733cc161cae7b143ed772b5c05a8e55b220337ed33adafd65f5d8583b1e0b55c190ada2e6fd1785c3e04c9c7937fca31d36981aed552a52dd416950f40a7f46a6a24536d67fca8b895aaedbf7a367eea3d722797d45d";

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

criterion_group!(benches, login, timing_spread);
criterion_main!(benches);
