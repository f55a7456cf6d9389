//! What a training step allocates, counted by a global allocator. lrfind's own code allocates
//! nothing per step (the workspace holds every buffer); the only allocations are matrixmultiply's:
//! its sgemm takes one packing buffer from the heap per call, `3L - 1` calls for `L` layers (see
//! docs/performance.md for their cost). This test fails if anything else starts allocating.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use lrfind::model::{Mlp, Workspace};
use lrfind::optim::{OptimizerConfig, OptimizerKind};

struct Counting;

thread_local! {
    // Per thread, so whatever the test harness does on other threads is not counted.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn a_step_allocates_only_matrixmultiplys_packing_buffers() {
    for (sizes, classification, kind) in [
        (vec![10, 64, 64, 3], true, OptimizerKind::Adam),
        (vec![20, 32, 1], false, OptimizerKind::Sgd),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut mlp = Mlp::<f32>::new(&sizes, &mut rng);
        let mut ws = Workspace::new(&mlp, 16, classification);
        ws.input.fill(0.5);
        let mut opt = OptimizerConfig::new(kind).build(mlp.params().len());
        let before = allocations();
        let steps = 10;
        for _ in 0..steps {
            mlp.loss_and_grad(&mut ws);
            opt.step(mlp.params_mut(), &ws.grads, 1e-3);
        }
        let layers = sizes.len() - 1;
        assert_eq!(
            allocations() - before,
            steps * (3 * layers - 1),
            "{sizes:?}: allocations other than one packing buffer per matrix product"
        );
    }
}
