//! The checks every schedule config shares, each returning the typed error that names the setting,
//! so a built schedule can trust its numbers (as linfa's hyperparameter checks do).

use crate::error::{Error, Message, Result, Setting};

/// The largest LR a schedule accepts: far above any that trains, and small enough that no
/// schedule's arithmetic (at most a few times the LR) overflows.
pub const MAX_LR: f64 = 1e300;

/// A finite LR above 0 and at most [`MAX_LR`].
pub(crate) fn lr(setting: Setting, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(
            setting,
            format!("{value} must be a finite number > 0"),
        ));
    }
    if value > MAX_LR {
        return Err(Error::config(
            setting,
            format!("{value} is too large to compute with; use at most {MAX_LR:e}"),
        ));
    }
    Ok(())
}

/// A floor LR: finite, at least 0, at most the peak `lr`.
pub(crate) fn min_lr(value: f64, lr: f64) -> Result<()> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(Error::config(
            Setting::MinLr,
            format!("{value} must be a finite number >= 0"),
        ));
    }
    if value > lr {
        return Err(Error::config(
            Setting::MinLr,
            Message::new(format!("{value} is above the peak LR {lr} ("))
                .setting(Setting::Lr)
                .text(")"),
        ));
    }
    Ok(())
}

/// At least one step.
pub(crate) fn steps(steps: usize) -> Result<()> {
    if steps == 0 {
        Err(Error::config(
            Setting::Steps,
            "a schedule needs at least 1 step",
        ))
    } else {
        Ok(())
    }
}

/// A count that must be at least 1.
pub(crate) fn positive_count(setting: Setting, value: usize) -> Result<()> {
    if value == 0 {
        Err(Error::config(setting, "must be at least 1"))
    } else {
        Ok(())
    }
}

/// A decay factor in (0, 1].
pub(crate) fn decay_factor(setting: Setting, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(Error::config(
            setting,
            format!("{value} is not in (0, 1]; a decay multiplies the LR by a factor at most 1"),
        ))
    }
}

/// A fraction in [0, 1].
pub(crate) fn fraction(setting: Setting, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(setting, format!("{value} is not in [0, 1]")))
    }
}

/// A finite number above 0 (an exponent, a rate, a divisor).
pub(crate) fn positive(setting: Setting, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::config(
            setting,
            format!("{value} must be a finite number > 0"),
        ))
    }
}

/// A warm-up's starting factor in (0, 1], as PyTorch's `LinearLR` accepts.
pub(crate) fn warmup_start_factor(value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(Error::config(
            Setting::WarmupStartFactor,
            format!("{value} is not in (0, 1]; the warm-up starts at this fraction of the peak LR"),
        ))
    }
}

/// A momentum in [0, 1).
pub(crate) fn momentum(setting: Setting, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::config(setting, format!("{value} is not in [0, 1)")))
    }
}

/// The step index used for `step` in a schedule of `steps` steps: past the end, the last one.
pub(crate) fn clamp(step: usize, steps: usize) -> usize {
    step.min(steps.saturating_sub(1))
}
