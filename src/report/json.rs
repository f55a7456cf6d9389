//! Reports as pretty-printed JSON. Deterministic: same input and seed, same bytes (no times, no
//! hash-ordered maps).

use serde::Serialize;

/// A report as JSON bytes, ending with a newline.
pub fn to_json<T: Serialize>(report: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).expect("a report always serialises");
    bytes.push(b'\n');
    bytes
}
