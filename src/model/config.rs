//! The model lrfind trains, as a user configures it: hidden layer widths and the initialisation.
//! Inputs and outputs come from the data.

use serde::Serialize;

use super::init::Init;
use super::Loss;
use crate::data::{Dataset, Target};
use crate::error::{Error, Result, Setting};

/// Hidden layer widths unless told otherwise: a small tabular MLP, expressive enough for the
/// curve to show real learning and cheap enough to run in milliseconds.
pub const DEFAULT_HIDDEN: [usize; 2] = [64, 64];

/// Most parameters a model may have: 4 GiB of f32 for the weights alone, before the optimizer's
/// state and the gradients (about 4x that in all).
pub const MAX_PARAMS: usize = 1 << 30;

/// The model: ReLU hidden layers of the given widths, a linear output layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelConfig {
    /// Width of each ReLU hidden layer.
    pub hidden: Vec<usize>,
    /// How the weights start.
    pub init: Init,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            hidden: DEFAULT_HIDDEN.to_vec(),
            init: Init::default(),
        }
    }
}

impl ModelConfig {
    /// Checks the widths.
    pub fn validate(&self) -> Result<()> {
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(Error::config(
                Setting::Hidden,
                "give widths of at least 1, e.g. 64,64",
            ));
        }
        Ok(())
    }

    /// Layer sizes for `dataset`: inputs, hidden widths, outputs.
    pub fn sizes(&self, dataset: &Dataset) -> Vec<usize> {
        let mut sizes = vec![dataset.features()];
        sizes.extend(&self.hidden);
        sizes.push(dataset.target.outputs());
        sizes
    }

    /// Checks that the model for `dataset` fits in memory: a width typo (`--hidden 6464646464`)
    /// is a clear error, not an allocation abort.
    pub fn check_size(&self, dataset: &Dataset) -> Result<()> {
        let sizes = self.sizes(dataset);
        let params = sizes.windows(2).try_fold(0usize, |n, w| {
            w[0].checked_mul(w[1])
                .and_then(|p| p.checked_add(w[1]))
                .and_then(|p| n.checked_add(p))
        });
        match params {
            Some(n) if n <= MAX_PARAMS => Ok(()),
            _ => Err(Error::config(
                Setting::Hidden,
                format!(
                    "a {} model has more than {MAX_PARAMS} parameters and would not fit in memory",
                    describe(&sizes)
                ),
            )),
        }
    }

    /// `10-64-64-3` style description of the model for `dataset`.
    pub fn describe(&self, dataset: &Dataset) -> String {
        describe(&self.sizes(dataset))
    }
}

fn describe(sizes: &[usize]) -> String {
    let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    sizes.join("-")
}

/// The loss for a target.
pub fn loss_for(target: &Target) -> Loss {
    match target {
        Target::Classes { .. } => Loss::CrossEntropy,
        Target::Values { .. } => Loss::Mse,
    }
}
