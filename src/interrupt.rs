//! A request from outside to stop training and keep what was recorded. The binary's Ctrl-C
//! handler makes it; the range test stops after the step it is on (its curve ends
//! [`Stop::Interrupted`](crate::curve::Stop::Interrupted)), and a race not yet decided is
//! dropped. Process-wide, as a signal is: a library user with their own handler calls
//! [`request`] from it.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static BY_FAULT: AtomicBool = AtomicBool::new(false);

/// Asks every training loop to stop after its current step, keeping what it recorded.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Asks every training loop to stop as [`request`] does, because a worker of `lrfind drive`
/// failed: what was recorded is kept the same way, and messages name the fault, not Ctrl-C.
pub fn request_for_fault() {
    BY_FAULT.store(true, Ordering::SeqCst);
    request();
}

/// What asked for the stop, for messages: `Ctrl-C`, or `a worker's fault`.
pub fn cause() -> &'static str {
    if BY_FAULT.load(Ordering::SeqCst) {
        "a worker's fault"
    } else {
        "Ctrl-C"
    }
}

/// Withdraws the request, so that training can run again.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
    BY_FAULT.store(false, Ordering::SeqCst);
}
