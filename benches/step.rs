//! One training step (forward, backward, Adam update) of the built-in MLP at the three shapes of
//! issue #5. Criterion's throughput is set to the step's matrix-multiply FLOPs, so its
//! "elem/s" reads as FLOP/s; docs/performance.md divides it by the peak from `benches/gemm.rs`.
//!
//! Run: `cargo bench --bench step -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use lrfind::model::init::standard_normal;
use lrfind::model::{Mlp, Workspace};
use lrfind::optim::{OptimizerConfig, OptimizerKind};

/// (layer sizes, batch) as named in the issue.
const SHAPES: [(&[usize], usize); 3] = [
    (&[10, 64, 64, 3], 64),
    (&[100, 256, 256, 10], 256),
    (&[784, 512, 512, 10], 128),
];

/// Multiply-adds counted as two FLOPs: the forward `x W` (2 B in out per layer), the weight
/// gradient `a^T d` (the same), and the input gradient `d W^T` for every layer but the first.
/// Bias, activation, loss and optimizer work is linear in the sizes and left out.
fn gemm_flops(sizes: &[usize], batch: usize) -> u64 {
    let per_layer: Vec<u64> = sizes
        .windows(2)
        .map(|p| 2 * (batch * p[0] * p[1]) as u64)
        .collect();
    let all: u64 = per_layer.iter().sum();
    3 * all - per_layer[0]
}

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    for (sizes, batch) in SHAPES {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut mlp = Mlp::<f32>::new(sizes, &mut rng);
        let mut ws = Workspace::new(&mlp, batch, true);
        for v in ws.input.iter_mut() {
            *v = standard_normal(&mut rng) as f32;
        }
        let classes = *sizes.last().expect("sizes") as u32;
        for (i, l) in ws.labels_mut().iter_mut().enumerate() {
            *l = i as u32 % classes;
        }
        let mut adam = OptimizerConfig::new(OptimizerKind::Adam).build(mlp.params().len());
        let name = sizes
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("-");
        group.throughput(Throughput::Elements(gemm_flops(sizes, batch)));
        // A tiny LR keeps the weights (and so the work) the same across millions of iterations.
        group.bench_function(format!("{name}/batch{batch}"), |b| {
            b.iter(|| {
                let loss = mlp.loss_and_grad(&mut ws);
                adam.step(mlp.params_mut(), &ws.grads, 1e-9);
                black_box(loss)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = step
}
criterion_main!(benches);
