//! This machine's f32 matrix-multiply rate through the kernel lrfind uses (ndarray's
//! `general_mat_mul`, which calls matrixmultiply's sgemm), on large square matrices. The best of
//! these is the "peak" each training-step shape in `benches/step.rs` is compared with.
//!
//! Run: `cargo bench --bench gemm -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::linalg::general_mat_mul;
use ndarray::Array2;

fn gemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sgemm");
    for n in [256usize, 512, 1024] {
        // Values that are neither 0 nor denormal, so no input is a fast path.
        let a = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1 - 0.5);
        let b = Array2::from_shape_fn((n, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.1 - 0.6);
        let mut out = Array2::<f32>::zeros((n, n));
        group.throughput(Throughput::Elements(2 * (n * n * n) as u64));
        group.bench_function(format!("{n}x{n}x{n}"), |bench| {
            bench.iter(|| {
                general_mat_mul(1.0, &a, &b, 0.0, &mut out);
                black_box(out[[0, 0]])
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = gemm
}
criterion_main!(benches);
