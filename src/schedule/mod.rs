//! Learning-rate schedules: the range test's own exponential ramp, and the schedules a found LR is
//! used with in training. Each is a config validated once when built, then a pure function of the
//! step.

pub mod exponential;

pub use self::exponential::ExponentialSchedule;
