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
            cognito_idp_codegen::generate(black_box(&dir), &partitions, &[], "cognito_idp")
                .expect("the model generates")
        })
    });
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
