//! The worker's side of the protocol, for a program in Rust: connect, say what it supports, and
//! train each job lrfind hands out.
//!
//! ```no_run
//! use lrfind::drive::protocol::Hello;
//! use lrfind::drive::worker::Worker;
//!
//! # fn evaluate() -> f64 { 0.5 }
//! # fn train_one_batch(_lr: f64) -> f64 { 0.5 }
//! let mut worker = Worker::connect_from_env(Hello {
//!     name: Some("my-burn-model".into()),
//!     validation: true,
//!     ..Hello::default()
//! })?;
//! while let Some(mut job) = worker.next_job()? {
//!     // A fresh model for every job, seeded by job.spec().seed.
//!     if job.wants_eval() {
//!         job.eval(evaluate())?;
//!     }
//!     while let Some(lr) = job.next_lr()? {
//!         let loss = train_one_batch(lr);
//!         job.step(loss)?;
//!         if job.wants_eval() {
//!             job.eval(evaluate())?;
//!         }
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! `next_lr` ends a job when it reaches its last update and lrfind carries it no further, or when
//! lrfind stops it (a range test that diverged); between updates it looks for a stop without
//! waiting. A job carried further (`continue`) goes on inside the same loop, with the same model.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::conn::{Conn, Received};
use super::launch::{ENV_CONNECT, ENV_TOKEN, ENV_WORKER};
use super::protocol::{
    parse_to_worker, worker_line, FromWorker, Hello, Job, LrSpec, ToWorker, VERSION,
};

/// A long wait: lrfind may take a while between jobs (reading the curves, a Ctrl-C).
const PATIENCE: Duration = Duration::from_secs(24 * 3600);

/// A connection to lrfind.
pub struct Worker {
    conn: Conn,
    index: usize,
    next: Option<ToWorker>,
}

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, what.into())
}

impl Worker {
    /// Connects to the lrfind named by `LRFIND_CONNECT`, with `LRFIND_TOKEN`, and says `hello`
    /// (its protocol, token and worker index are filled in).
    pub fn connect_from_env(hello: Hello) -> io::Result<Worker> {
        let addr = std::env::var(ENV_CONNECT).map_err(|_| {
            io::Error::new(
                ErrorKind::NotFound,
                format!("{ENV_CONNECT} is not set: run this under `lrfind drive -- COMMAND`"),
            )
        })?;
        let addr: SocketAddr = addr.parse().map_err(|e| {
            io::Error::new(
                ErrorKind::InvalidInput,
                format!("{ENV_CONNECT}={addr}: {e}"),
            )
        })?;
        let token = std::env::var(ENV_TOKEN).unwrap_or_default();
        let worker = std::env::var(ENV_WORKER).ok().and_then(|w| w.parse().ok());
        Worker::connect(
            addr,
            Hello {
                token,
                worker: hello.worker.or(worker),
                ..hello
            },
        )
    }

    /// Connects to lrfind at `addr` and says `hello`.
    pub fn connect(addr: SocketAddr, hello: Hello) -> io::Result<Worker> {
        let stream = TcpStream::connect(addr)?;
        let mut conn = Conn::new(stream)?;
        let hello = Hello {
            protocol: VERSION,
            ..hello
        };
        conn.send_line(&worker_line(&FromWorker::Hello(hello)))?;
        match recv(&mut conn)? {
            Some(ToWorker::Welcome { worker, .. }) => Ok(Worker {
                conn,
                index: worker,
                next: None,
            }),
            Some(ToWorker::Refused { reason }) => Err(io::Error::new(
                ErrorKind::PermissionDenied,
                format!("lrfind refused this worker: {reason}"),
            )),
            other => Err(protocol_error(format!(
                "lrfind answered the hello with {other:?}"
            ))),
        }
    }

    /// The index lrfind gave this worker.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Waits for the next job; `None` when lrfind has no more (it said `shutdown`, or closed).
    pub fn next_job(&mut self) -> io::Result<Option<JobRun<'_>>> {
        loop {
            let message = match self.next.take() {
                Some(m) => Some(m),
                None => recv(&mut self.conn)?,
            };
            match message {
                Some(ToWorker::Job(job)) => {
                    return Ok(Some(JobRun {
                        worker: self,
                        job,
                        done: 0,
                        evals: 0,
                        lr: None,
                        ended: false,
                    }))
                }
                None | Some(ToWorker::Shutdown) => return Ok(None),
                // A stop or continue for a job already over, or a type this version does not
                // know: nothing to do.
                Some(_) => {}
            }
        }
    }

    /// Reports an error that ends this worker (lrfind says so and stops using it).
    pub fn error(&mut self, message: &str) -> io::Result<()> {
        self.conn.send_line(&worker_line(&FromWorker::Error {
            message: message.to_string(),
        }))
    }
}

/// Waits for lrfind's next message; `None` when it closed the connection.
fn recv(conn: &mut Conn) -> io::Result<Option<ToWorker>> {
    loop {
        match conn.recv(Instant::now() + PATIENCE, &|| false)? {
            Received::Line(l) => match parse_to_worker(&l) {
                Ok(Some(m)) => return Ok(Some(m)),
                Ok(None) => {}
                Err(e) => return Err(protocol_error(format!("from lrfind: {}", e.0))),
            },
            Received::Closed => return Ok(None),
            Received::TimedOut | Received::Stopped => {}
        }
    }
}

/// One job as the worker trains it.
pub struct JobRun<'w> {
    worker: &'w mut Worker,
    job: Job,
    done: u64,
    evals: usize,
    lr: Option<f64>,
    ended: bool,
}

impl JobRun<'_> {
    /// What lrfind asked for: the kind, the seed, the knobs, the LRs, the measurements.
    pub fn spec(&self) -> &Job {
        &self.job
    }

    /// Updates done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Whether lrfind wants the validation loss now (after `done()` updates).
    pub fn wants_eval(&mut self) -> bool {
        let at = &self.job.evaluate_at;
        while self.evals < at.len() && at[self.evals] < self.done {
            self.evals += 1;
        }
        !self.ended && at.get(self.evals) == Some(&self.done)
    }

    /// Reports the validation loss after `done()` updates. For a job that follows lrfind's LR
    /// (reduce-on-plateau), waits for the LR of the following updates.
    pub fn eval(&mut self, loss: f64) -> io::Result<()> {
        self.send(FromWorker::Eval {
            job: self.job.job,
            step: self.done,
            loss,
        })?;
        self.evals += 1;
        if matches!(self.job.lr, LrSpec::Follow(_)) {
            loop {
                match recv(&mut self.worker.conn)? {
                    Some(ToWorker::Lr { job, lr }) if job == self.job.job => {
                        self.lr = Some(lr);
                        return Ok(());
                    }
                    Some(ToWorker::Stop { job }) if job == self.job.job => {
                        return self.finish();
                    }
                    Some(m @ (ToWorker::Job(_) | ToWorker::Shutdown)) => {
                        self.worker.next = Some(m);
                        self.ended = true;
                        return Ok(());
                    }
                    None => {
                        self.ended = true;
                        return Ok(());
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// The LR of the next update, or `None` when the job is over: its last update is done and
    /// lrfind carries it no further, or lrfind stopped it.
    pub fn next_lr(&mut self) -> io::Result<Option<f64>> {
        if self.ended {
            return Ok(None);
        }
        // A stop may have come while the last update ran.
        while let Some(r) = self.worker.conn.poll()? {
            match r {
                Received::Line(l) => match parse_to_worker(&l) {
                    Ok(Some(ToWorker::Stop { job })) if job == self.job.job => {
                        self.finish()?;
                        return Ok(None);
                    }
                    Ok(Some(m @ (ToWorker::Job(_) | ToWorker::Shutdown))) => {
                        self.worker.next = Some(m);
                        self.ended = true;
                        return Ok(None);
                    }
                    Ok(_) => {}
                    Err(e) => return Err(protocol_error(format!("from lrfind: {}", e.0))),
                },
                Received::Closed => {
                    self.ended = true;
                    return Ok(None);
                }
                Received::TimedOut | Received::Stopped => break,
            }
        }
        if self.done >= self.job.until {
            self.send(FromWorker::Done {
                job: self.job.job,
                steps: Some(self.done),
            })?;
            // Carried further, or over.
            loop {
                match recv(&mut self.worker.conn)? {
                    Some(ToWorker::Continue {
                        job,
                        until,
                        evaluate_at,
                    }) if job == self.job.job => {
                        self.job.until = until;
                        self.job.evaluate_at = evaluate_at;
                        if self.done < until {
                            break;
                        }
                        self.send(FromWorker::Done {
                            job: self.job.job,
                            steps: Some(self.done),
                        })?;
                    }
                    Some(ToWorker::Stop { .. }) => {}
                    Some(m @ (ToWorker::Job(_) | ToWorker::Shutdown)) => {
                        self.worker.next = Some(m);
                        self.ended = true;
                        return Ok(None);
                    }
                    None => {
                        self.ended = true;
                        return Ok(None);
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(Some(
            self.lr
                .unwrap_or_else(|| self.job.lr.lr(self.done as usize)),
        ))
    }

    /// The momentum (or beta1) of the next update, for a schedule that cycles it.
    pub fn momentum(&self) -> Option<f64> {
        let m = self.job.momentum.as_ref()?;
        m.get(self.done as usize).or(m.last()).copied()
    }

    /// Reports the training loss of the update just done (the mean over micro-batches when
    /// gradients accumulate).
    pub fn step(&mut self, loss: f64) -> io::Result<()> {
        self.send(FromWorker::Step {
            job: self.job.job,
            step: self.done,
            loss,
            skipped: false,
        })?;
        self.done += 1;
        Ok(())
    }

    /// Reports an update that was skipped (a mixed-precision overflow): the LR does not advance.
    pub fn skip(&mut self) -> io::Result<()> {
        self.send(FromWorker::Step {
            job: self.job.job,
            step: self.done,
            loss: f64::NAN,
            skipped: true,
        })
    }

    /// Says the job is over after a stop.
    fn finish(&mut self) -> io::Result<()> {
        self.ended = true;
        self.send(FromWorker::Done {
            job: self.job.job,
            steps: Some(self.done),
        })
    }

    fn send(&mut self, m: FromWorker) -> io::Result<()> {
        self.worker.conn.send_line(&worker_line(&m))
    }
}
