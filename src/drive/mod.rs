//! `lrfind drive`: the range test, the race and the rest of lrfind's pipeline run on a user's own
//! training. lrfind coordinates; the user's script is a worker that trains when told, through a
//! small protocol (docs/protocol.md): JSON lines over a TCP connection the worker opens to lrfind,
//! so that its own standard output and error stay the user's.
//!
//! - [`protocol`]: the messages and their version.
//! - [`conn`]: the framing, with waits that end at a deadline or a Ctrl-C.
//! - [`launch`]: starting the worker commands in process groups of their own, and ending them.
//! - [`coordinator`]: lrfind's side, an [`Engine`](crate::engine::Engine) over the workers.
//! - [`worker`]: the worker's side, for a Rust program (burn, candle, lrfind's own MLP).

pub mod conn;
pub mod coordinator;
pub mod launch;
pub mod protocol;
pub mod worker;
