//! A worker that does no work, in Rust, for bench/drive_overhead.sh: the same as
//! bench/drive_overhead.py through `lrfind::drive::worker`. It answers each range test with a
//! made-up loss that falls a little each update and turns NaN at update N (the first argument,
//! 100000 unless given), so that lrfind's divergence watch answers with a stop, and streams on
//! until it sees that stop. The time from its first update to the stop is the time lrfind took to
//! read N + 1 steps through the protocol; the steps per second are printed on stderr.
//!
//! Run: `cargo build --release --example drive_null_worker`, then `lrfind drive --runs 1
//! --no-verify --no-plot --steps 300000 --smoothing 7e-5 -- target/release/examples/drive_null_worker
//! 30000` (bench/drive_overhead.sh says why these settings).

use std::time::Instant;

use lrfind::drive::protocol::Hello;
use lrfind::drive::worker::Worker;

fn main() -> std::io::Result<()> {
    let nan_at: u64 = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("N: a number of steps"));
    let mut worker = Worker::connect_from_env(Hello {
        name: Some("drive_null_worker".into()),
        framework: Some("none".into()),
        ..Hello::default()
    })?;
    while let Some(mut job) = worker.next_job()? {
        let mut start = None;
        while job.next_lr()?.is_some() {
            start.get_or_insert_with(Instant::now);
            let loss = if job.done() == nan_at {
                f64::NAN
            } else {
                1.0 / (1.0 + 1e-4 * job.done() as f64)
            };
            job.step(loss)?;
        }
        let seconds = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
        if job.done() >= job.spec().until {
            eprintln!("drive_null_worker: the worker reached the ramp's end before lrfind's stop came; raise --steps");
            std::process::exit(1);
        }
        let read = nan_at + 1;
        eprintln!(
            "drive_null_worker: {read} steps read by lrfind in {seconds:.3} s: {:.0} steps/s (the worker ran {} steps ahead)",
            read as f64 / seconds,
            job.done().saturating_sub(read)
        );
    }
    Ok(())
}
