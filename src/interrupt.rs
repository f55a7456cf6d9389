//! A request from outside to stop training and keep what was recorded. The binary's Ctrl-C
//! handler makes it; the range test stops after the step it is on (its curve ends
//! [`Stop::Interrupted`](crate::curve::Stop::Interrupted)), and a race not yet decided is
//! dropped. Process-wide, as a signal is: a library user with their own handler calls
//! [`request`] from it.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every training loop to stop after its current step, keeping what it recorded.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Withdraws the request, so that training can run again.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}
