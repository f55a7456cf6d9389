//! The built-in multilayer perceptron: layers of `x W + b` with ReLU between them (`mlp`);
//! fastai's tabular model, embeddings and BatchNorm included (`tabular`); the
//! activation (`activation`), the losses (`loss`), initialisation (`init`) and the model as a user
//! configures it (`config`). Generic over the
//! float type so training runs in f32 and gradient checks run in f64.

pub mod activation;
pub mod config;
pub mod init;
pub mod loss;
pub mod mlp;
pub mod tabular;

pub use self::config::{loss_for, ModelConfig, ModelKind, DEFAULT_HIDDEN};
pub use self::init::Init;
pub use self::loss::{Loss, TargetBatch};
pub use self::mlp::{Mlp, Workspace};
pub use self::tabular::{Tabular, TabularShape, TabularWorkspace};

use ndarray::LinalgScalar;
use num_traits::{Float, FromPrimitive};

/// A float the model can compute in: `f32` for training, `f64` for gradient checks.
pub trait Scalar:
    LinalgScalar
    + Float
    + FromPrimitive
    + std::fmt::Debug
    + std::fmt::Display
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + Send
    + Sync
    + 'static
{
}

impl Scalar for f32 {}
impl Scalar for f64 {}
