//! The whole pipeline (load, lower, emit, format) on the real model in `model/`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

fn model_dir() -> PathBuf {
    let service = Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/cognito-idp");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&service)
        .expect("model/ is committed")
        .map(|e| e.expect("readable").path())
        .collect();
    versions.sort();
    versions.pop().expect("an API version folder")
}

fn pipeline(c: &mut Criterion) {
    let dir = model_dir();
    let partitions = dir.join("../../partitions.json");
    c.bench_function("generate the full model", |b| {
        b.iter(|| {
            cognito_idp_codegen::generate(
                black_box(&dir),
                &partitions,
                &Default::default(),
                "cognito_idp",
            )
            .expect("the model generates")
        })
    });
    // Another model beside it, laid out as `cargo xtask corpus` unpacks them (partitions two
    // folders up): `CODEGEN_BENCH_MODEL=target/corpus/models/<botocore>/<service>/<api>`.
    if let Some(other) = std::env::var_os("CODEGEN_BENCH_MODEL") {
        let other = PathBuf::from(other);
        let partitions = other.join("../../partitions.json");
        c.bench_function(&format!("generate {}", other.display()), |b| {
            b.iter(|| {
                cognito_idp_codegen::generate(
                    black_box(&other),
                    &partitions,
                    &Default::default(),
                    "other",
                )
                .expect("the model generates")
            })
        });
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
