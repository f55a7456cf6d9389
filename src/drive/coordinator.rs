//! The protocol's engine: lrfind's side of the connections to the workers. [`Pool::start`]
//! listens, starts the worker commands, and waits for their hellos; the [`Engine`]
//! implementation hands each job to a free worker and reads its messages into the same
//! [`Run`]s and [`Trained`] results the built-in engine gives, so that the pipeline cannot tell
//! them apart. The range test's divergence watch runs here (the worker only trains), and so does
//! the divergence rule of training jobs and reduce-on-plateau.
//!
//! Faults lose nothing: a worker that exits, hangs past the step timeout, closes its connection
//! or breaks the protocol is dropped with a message that says which, what it was doing and what
//! it last said; its job goes to another worker if one is left, and otherwise the run stops as at
//! a Ctrl-C, with what was measured, and [`Pool::fault`] says why. A NaN loss is a divergence, not
//! a fault.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::conn::{Conn, Received};
use super::launch::{describe_exit, same_token, Launched, GRACE};
use super::protocol::{
    parse_from_worker, FromWorker, Hello, Job, JobKind, KnobValues, LrSpec, ToWorker, VERSION,
};
use crate::curve::Sample;
use crate::engine::{
    Capabilities, Engine, JobKey, Knobs, LrFollower, LrPlan, RangeJob, Setup, TrainJob, Trained,
    TrainingWatch, ValPoint,
};
use crate::error::{Error, Message, Result, Setting};
use crate::range_test::driver::drive_fallible;
use crate::range_test::Run;
use crate::schedule::LrSchedule;

/// How long lrfind waits for any one message of a worker unless told otherwise: long enough for
/// a script to import its framework and load its data before its hello, or for one slow step.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(600);
/// Skipped updates in a row (a mixed-precision scaler that never settles) that make a fault.
pub const MAX_SKIPS: usize = 1000;

/// Which knobs a job sets on the worker: those the user gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SentKnobs {
    /// The batch size.
    pub batch_size: bool,
    /// Weight decay.
    pub weight_decay: bool,
    /// Momentum (or beta1).
    pub momentum: bool,
}

/// How to reach the workers.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    /// The worker command and its arguments; empty: start none, wait for workers started
    /// elsewhere.
    pub command: Vec<OsString>,
    /// Workers: copies of the command to start, or connections to wait for.
    pub workers: usize,
    /// Where to listen: loopback by default.
    pub listen: SocketAddr,
    /// The token workers present.
    pub token: String,
    /// The longest wait for any message of a worker (the hello included).
    pub step_timeout: Duration,
    /// The knobs jobs set.
    pub knobs: SentKnobs,
}

/// The default address: loopback, a port the system picks.
pub fn loopback() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

/// A training the worker holds after saying `done`, which a later job may carry further.
#[derive(Debug, Clone)]
struct Held {
    key: JobKey,
    id: u64,
    setup: Setup,
    plan: LrPlan,
    trained: Trained,
    follower: LrFollower,
    watch: TrainingWatch,
}

/// One worker's connection.
struct Slot {
    index: usize,
    label: String,
    conn: Option<Conn>,
    hello: Hello,
    launched: Option<usize>,
    held: Option<Held>,
    /// What it was doing, for a fault's message.
    doing: String,
}

/// Why a job ended early on a worker.
enum Broke {
    /// The worker is gone or broke the protocol: the message says how.
    Fault(String),
    /// Ctrl-C.
    Stopped,
}

/// What a job on one worker came to: its result, or why it broke with what it had measured.
type JobOutcome<T> = std::result::Result<T, (Broke, Option<T>)>;

/// lrfind's workers.
pub struct Pool {
    config: PoolConfig,
    slots: Vec<Mutex<Slot>>,
    launched: Mutex<Vec<Launched>>,
    fault: Mutex<Option<(String, String)>>,
    next_id: AtomicU64,
    unknown: AtomicUsize,
    alive: AtomicUsize,
    updates: AtomicUsize,
    addr: SocketAddr,
}

/// The address a started worker connects to: the one listened on, with an unspecified address
/// replaced by loopback.
fn connect_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

impl Pool {
    /// Listens on `config.listen`, starts the command `config.workers` times (if there is one),
    /// and waits until that many workers have said hello. A started worker that exits before it
    /// connects, a refused hello, no connection within the step timeout, or a Ctrl-C ends it with
    /// an error, the workers already started stopped.
    pub fn start(config: PoolConfig) -> Result<Pool> {
        Pool::listen(config)?.start()
    }

    /// Listens on `config.listen` without starting or waiting for anything yet, so that the
    /// address (and its port, when the system picked it) can be told to workers started
    /// elsewhere before [`Listening::start`] waits for them.
    pub fn listen(config: PoolConfig) -> Result<Listening> {
        let cannot = |e: std::io::Error| {
            Error::config(
                Setting::Listen,
                format!("cannot listen on {}: {e}", config.listen),
            )
        };
        let listener = TcpListener::bind(config.listen).map_err(cannot)?;
        let addr = listener.local_addr().map_err(cannot)?;
        Ok(Listening {
            listener,
            addr,
            config,
        })
    }
}

/// A pool that listens and has not yet started its workers.
pub struct Listening {
    listener: TcpListener,
    addr: SocketAddr,
    config: PoolConfig,
}

impl Listening {
    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts the command `workers` times (if there is one) and waits until that many workers
    /// have said hello (see [`Pool::start`]).
    pub fn start(self) -> Result<Pool> {
        let Listening {
            listener,
            addr,
            config,
        } = self;
        let mut pool = Pool {
            slots: Vec::new(),
            launched: Mutex::new(Vec::new()),
            fault: Mutex::new(None),
            next_id: AtomicU64::new(1),
            unknown: AtomicUsize::new(0),
            alive: AtomicUsize::new(0),
            updates: AtomicUsize::new(0),
            addr,
            config,
        };
        if !pool.config.command.is_empty() {
            for i in 0..pool.config.workers {
                let l = Launched::start(
                    &pool.config.command,
                    i,
                    pool.config.workers,
                    connect_addr(addr),
                    &pool.config.token,
                )?;
                pool.launched.lock().expect("unpoisoned").push(l);
            }
        }
        pool.accept(&listener)?;
        Ok(pool)
    }
}

impl Pool {
    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every worker's hello, in the order of their indices.
    pub fn hellos(&self) -> Vec<Hello> {
        self.slots
            .iter()
            .map(|s| s.lock().expect("unpoisoned").hello.clone())
            .collect()
    }

    /// The first fault that stopped the run, as an error: which worker, and what happened.
    pub fn fault(&self) -> Option<Error> {
        self.fault
            .lock()
            .expect("unpoisoned")
            .clone()
            .map(|(worker, message)| Error::Worker {
                worker,
                message: Message::new(message),
            })
    }

    /// Messages of types this version does not know, skipped.
    pub fn unknown_messages(&self) -> usize {
        self.unknown.load(Ordering::Relaxed)
    }

    /// Waits for the hellos.
    fn accept(&mut self, listener: &TcpListener) -> Result<()> {
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::config(Setting::Listen, e.to_string()))?;
        let deadline = Instant::now() + self.config.step_timeout;
        let started = !self.config.command.is_empty();
        while self.slots.len() < self.config.workers {
            if crate::interrupt::requested() {
                return Err(Error::Worker {
                    worker: "lrfind drive".into(),
                    message: Message::new("interrupted (Ctrl-C) while waiting for the workers"),
                });
            }
            if started {
                self.check_started_alive()?;
            }
            if Instant::now() >= deadline {
                return Err(Error::Worker {
                    worker: format!("{} of {} workers", self.config.workers - self.slots.len(), self.config.workers),
                    message: Message::new(format!(
                        "did not connect to {} within {} s; check that each runs the lrfind client (LRFIND_CONNECT and LRFIND_TOKEN in its environment), or raise ",
                        self.addr,
                        self.config.step_timeout.as_secs()
                    ))
                    .setting(Setting::StepTimeout),
                });
            }
            match listener.accept() {
                Ok((stream, peer)) => {
                    let _ = stream.set_nonblocking(false);
                    if let Some(slot) = self.greet(stream, peer, deadline)? {
                        self.slots.push(Mutex::new(slot));
                        self.alive.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(Error::config(
                        Setting::Listen,
                        format!("cannot accept: {e}"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// A started worker that exited before every worker connected is an error at once.
    fn check_started_alive(&self) -> Result<()> {
        let connected: Vec<Option<usize>> = self
            .slots
            .iter()
            .map(|s| s.lock().expect("unpoisoned").launched)
            .collect();
        let mut launched = self.launched.lock().expect("unpoisoned");
        for l in launched.iter_mut() {
            if connected.contains(&Some(l.index)) {
                continue;
            }
            if let Some(status) = l.exited() {
                return Err(Error::Worker {
                    worker: format!("worker {} ({})", l.index, l.command),
                    message: Message::new(format!(
                        "{} before it connected to lrfind; run the command by itself to see why, and see docs/drive.md for the few lines that make a training script a worker",
                        describe_exit(status)
                    )),
                });
            }
        }
        Ok(())
    }

    /// Reads a connection's hello and answers it: a slot for a good one, `None` for a refused
    /// one (a stray connection, a wrong token: said on stderr, and the wait goes on).
    fn greet(
        &self,
        stream: std::net::TcpStream,
        peer: SocketAddr,
        deadline: Instant,
    ) -> Result<Option<Slot>> {
        let mut conn = match Conn::new(stream) {
            Ok(c) => c,
            Err(_) => return Ok(None),
        };
        let hello_deadline = deadline.min(Instant::now() + self.config.step_timeout);
        let line = match conn.recv(hello_deadline, &crate::interrupt::requested) {
            Ok(Received::Line(l)) => l,
            _ => {
                eprintln!("lrfind: a connection from {peer} sent no hello; ignored");
                return Ok(None);
            }
        };
        let hello = match parse_from_worker(&line) {
            Ok(Some(FromWorker::Hello(h))) => h,
            _ => {
                let _ = conn.send(&ToWorker::Refused {
                    reason: "the first line must be a hello (docs/protocol.md)".into(),
                });
                eprintln!(
                    "lrfind: a connection from {peer} did not start with a hello: {}; ignored",
                    shorten(&line)
                );
                return Ok(None);
            }
        };
        if !same_token(&hello.token, &self.config.token) {
            let _ = conn.send(&ToWorker::Refused {
                reason: "wrong token: use the LRFIND_TOKEN lrfind printed or was given".into(),
            });
            eprintln!("lrfind: a worker from {peer} presented a wrong token; refused");
            return Ok(None);
        }
        let index = self.slots.len();
        let launched = if self.config.command.is_empty() {
            None
        } else {
            hello
                .worker
                .map(|w| w as usize)
                .filter(|w| *w < self.config.workers)
                .or(Some(index))
        };
        let label = match launched {
            Some(i) => format!(
                "worker {i} ({})",
                super::launch::shown(&self.config.command)
            ),
            None => format!("worker {index} (from {peer})"),
        };
        if hello.protocol != VERSION {
            let _ = conn.send(&ToWorker::Refused {
                reason: format!(
                    "lrfind speaks protocol {VERSION}, the worker {}",
                    hello.protocol
                ),
            });
            return Err(Error::Worker {
                worker: label,
                message: Message::new(format!(
                    "speaks protocol version {} and this lrfind speaks {VERSION}; use a client of the same version (clients/python in lrfind's repository)",
                    hello.protocol
                )),
            });
        }
        conn.send(&ToWorker::Welcome {
            protocol: VERSION,
            worker: index,
        })
        .map_err(|e| Error::Worker {
            worker: label.clone(),
            message: Message::new(format!("closed its connection after its hello: {e}")),
        })?;
        Ok(Some(Slot {
            index,
            label,
            conn: Some(conn),
            hello,
            launched,
            held: None,
            doing: "waiting for a job".into(),
        }))
    }

    /// The knobs a job with `setup` sets.
    fn knobs(&self, setup: &Setup) -> KnobValues {
        let k = self.config.knobs;
        let o = &setup.optimizer;
        let momentum = match o.kind {
            crate::optim::OptimizerKind::Adam | crate::optim::OptimizerKind::Adamw => o.beta1,
            _ => o.momentum,
        };
        KnobValues {
            batch_size: k.batch_size.then_some(setup.batch_size as u64),
            weight_decay: k.weight_decay.then_some(o.weight_decay),
            momentum: k.momentum.then_some(momentum),
        }
    }

    /// Records the first fault and asks the run to stop as at a Ctrl-C, keeping what it has.
    fn give_up(&self, worker: &str, message: &str) {
        let mut f = self.fault.lock().expect("unpoisoned");
        if f.is_none() {
            *f = Some((worker.to_string(), message.to_string()));
        }
        crate::interrupt::request_for_fault();
    }

    /// Whether any worker is still connected (no slot is locked to tell).
    fn any_alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed) > 0
    }

    /// Why a worker's connection ended: how its process exited, if lrfind started it.
    fn why_closed(&self, slot: &Slot) -> String {
        let status = slot.launched.and_then(|i| {
            let mut launched = self.launched.lock().expect("unpoisoned");
            launched
                .iter_mut()
                .find(|l| l.index == i)
                .and_then(|l| l.wait_for(Duration::from_secs(2)))
        });
        match status {
            Some(s) => format!("{} while {}", describe_exit(s), slot.doing),
            None => format!("closed its connection while {}", slot.doing),
        }
    }

    /// Drops a worker after a fault: its connection closed, and, if lrfind started it, it ends.
    fn drop_worker(&self, slot: &mut Slot, why: &str) {
        if let Some(c) = slot.conn.take() {
            c.close();
            self.alive.fetch_sub(1, Ordering::Relaxed);
        }
        slot.held = None;
        if let Some(i) = slot.launched {
            let mut launched = self.launched.lock().expect("unpoisoned");
            if let Some(l) = launched.iter_mut().find(|l| l.index == i) {
                l.end();
            }
        }
        let others = self.any_alive();
        eprintln!(
            "lrfind: {}: {why}{}",
            slot.label,
            if others {
                "; its job goes to another worker"
            } else {
                ""
            }
        );
    }

    /// Waits for the next message of `slot` about job `id`: messages about other jobs (a
    /// stopped job's last steps) are skipped, unknown types counted.
    fn next(&self, slot: &mut Slot, id: u64) -> std::result::Result<FromWorker, Broke> {
        loop {
            let deadline = Instant::now() + self.config.step_timeout;
            let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
            let received = conn
                .recv(deadline, &crate::interrupt::requested)
                .map_err(|e| {
                    Broke::Fault(format!("broke its connection ({e}) while {}", slot.doing))
                })?;
            let line = match received {
                Received::Line(l) => l,
                Received::Closed => return Err(Broke::Fault(self.why_closed(slot))),
                Received::TimedOut => {
                    return Err(Broke::Fault(format!(
                        "sent nothing for {} s while {}: it hangs, or a step takes longer than --step-timeout allows",
                        self.config.step_timeout.as_secs(),
                        slot.doing
                    )))
                }
                Received::Stopped => return Err(Broke::Stopped),
            };
            match parse_from_worker(&line) {
                Ok(None) => {
                    self.unknown.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Some(FromWorker::Error { message })) => {
                    return Err(Broke::Fault(format!(
                        "reported an error while {}: {message}",
                        slot.doing
                    )))
                }
                Ok(Some(FromWorker::Hello(_))) => {
                    return Err(Broke::Fault(format!(
                        "said hello again while {}",
                        slot.doing
                    )))
                }
                Ok(Some(m)) if job_of(&m) == Some(id) => return Ok(m),
                Ok(Some(_)) => {}
                Err(e) => {
                    return Err(Broke::Fault(format!(
                        "sent a line that is not a protocol message while {} ({}): {}",
                        slot.doing,
                        e.0,
                        shorten(&line)
                    )))
                }
            }
        }
    }

    /// Tells the worker to stop job `id` and reads up to its `done`, handing each message to
    /// `seen` (a range test keeps the measurements of steps it recorded).
    fn stop_job(
        &self,
        slot: &mut Slot,
        id: u64,
        wait: Duration,
        seen: &mut dyn FnMut(&FromWorker),
    ) -> std::result::Result<(), Broke> {
        let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
        conn.send(&ToWorker::Stop { job: id })
            .map_err(|_| Broke::Fault(self.why_closed(slot)))?;
        let until = Instant::now() + wait;
        loop {
            let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
            match conn.recv(until, &|| false) {
                Ok(Received::Line(l)) => match parse_from_worker(&l) {
                    Ok(Some(FromWorker::Done { job, .. })) if job == id => return Ok(()),
                    Ok(Some(m)) => seen(&m),
                    Ok(None) => {}
                    Err(e) => {
                        return Err(Broke::Fault(format!(
                            "sent a line that is not a protocol message ({}): {}",
                            e.0,
                            shorten(&l)
                        )))
                    }
                },
                Ok(Received::TimedOut) => {
                    return Err(Broke::Fault(format!(
                        "did not answer a stop within {} s",
                        wait.as_secs()
                    )))
                }
                _ => return Err(Broke::Fault(self.why_closed(slot))),
            }
        }
    }

    /// One range test on one worker.
    fn range_test(
        &self,
        slot: &mut Slot,
        job: &RangeJob,
        progress: &ProgressBar,
    ) -> JobOutcome<Run> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let lrs: Vec<f64> = job
            .ramp
            .schedule()
            .map_err(|e| (Broke::Fault(e.to_string()), None))?
            .iter()
            .collect();
        let steps = lrs.len();
        let every = job
            .validation
            .then(|| val_every(&slot.hello, job.setup.batch_size, steps));
        let evaluate_at: Vec<u64> = match every {
            Some(k) => (0..steps)
                .filter(|s| s % k == 0)
                .map(|s| s as u64 + 1)
                .collect(),
            None => Vec::new(),
        };
        slot.doing = format!("the range test with seed {}", job.setup.seed);
        slot.held = None;
        let spec = ToWorker::Job(Job {
            job: id,
            kind: JobKind::Range,
            seed: job.setup.seed,
            lr: LrSpec::Table(lrs.clone()),
            until: steps as u64,
            evaluate_at,
            knobs: self.knobs(&job.setup),
            momentum: None,
        });
        if slot
            .conn
            .as_mut()
            .map(|c| c.send(&spec))
            .is_none_or(|r| r.is_err())
        {
            return Err((Broke::Fault(self.why_closed(slot)), None));
        }
        let mut val: Vec<Sample> = Vec::new();
        let mut keep_eval = |m: &FromWorker| {
            if let FromWorker::Eval { step, loss, .. } = m {
                let s = *step as usize;
                if s >= 1 && s <= steps && loss.is_finite() {
                    val.push(Sample {
                        step: s - 1,
                        lr: lrs[s - 1],
                        loss: *loss,
                    });
                }
            }
        };
        let mut broke: Option<Broke> = None;
        let mut expected = 0u64;
        let mut finished = false;
        let recording = drive_fallible(
            &job.ramp,
            |_| {
                let mut skips = 0;
                loop {
                    slot.doing = format!(
                        "the range test with seed {} at step {expected} of {steps}",
                        job.setup.seed
                    );
                    match self.next(slot, id) {
                        Ok(FromWorker::Step {
                            skipped: true, ..
                        }) => {
                            skips += 1;
                            if skips > MAX_SKIPS {
                                broke = Some(Broke::Fault(format!(
                                    "skipped {MAX_SKIPS} updates in a row at step {expected} of the range test: its loss scaler never settles"
                                )));
                                return None;
                            }
                        }
                        Ok(FromWorker::Step { step, loss, .. }) if step == expected => {
                            expected += 1;
                            return Some(loss);
                        }
                        Ok(FromWorker::Step { step, .. }) => {
                            broke = Some(Broke::Fault(format!(
                                "sent step {step} of the range test where step {expected} was due"
                            )));
                            return None;
                        }
                        Ok(m @ FromWorker::Eval { .. }) => keep_eval(&m),
                        Ok(FromWorker::Done { .. }) => {
                            if expected as usize >= steps {
                                finished = true;
                            } else {
                                broke = Some(Broke::Fault(format!(
                                    "ended the range test at step {expected} of {steps}, before lrfind stopped it"
                                )));
                            }
                            return None;
                        }
                        Ok(_) => {}
                        Err(b) => {
                            broke = Some(b);
                            return None;
                        }
                    }
                }
            },
            progress,
            crate::interrupt::requested,
        )
        .map_err(|e| (Broke::Fault(e.to_string()), None))?;
        let recorded = recording.samples.len();
        // Wind the job down: a test that ran to its end says done; any other is told to stop.
        if broke.is_none() && !finished {
            let wait = if crate::interrupt::requested() {
                GRACE
            } else {
                self.config.step_timeout
            };
            let completed = recorded >= steps;
            let ended = if completed {
                self.until_done(slot, id, &mut keep_eval)
            } else {
                self.stop_job(slot, id, wait, &mut keep_eval)
            };
            if let Err(b) = ended {
                broke = Some(b);
            }
        }
        val.retain(|v| v.step < recorded && recording.samples[v.step].loss.is_finite());
        val.sort_by_key(|v| v.step);
        val.dedup_by_key(|v| v.step);
        let run = Run {
            val_every: every.unwrap_or(0),
            val_samples: val,
            batch_size: job.setup.batch_size,
            seed: job.setup.seed,
            recording,
        };
        slot.doing = "waiting for a job".into();
        match broke {
            None => Ok(run),
            Some(b) => Err((b, Some(run))),
        }
    }

    /// Reads up to the `done` of job `id`, handing each message to `seen`.
    fn until_done(
        &self,
        slot: &mut Slot,
        id: u64,
        seen: &mut dyn FnMut(&FromWorker),
    ) -> std::result::Result<(), Broke> {
        loop {
            match self.next(slot, id)? {
                FromWorker::Done { .. } => return Ok(()),
                m => seen(&m),
            }
        }
    }

    /// One training job on one worker, carried further from what the worker holds when it can.
    fn train_job(&self, slot: &mut Slot, job: &TrainJob) -> std::result::Result<Trained, Broke> {
        let clock = Instant::now();
        let held = slot.held.take().filter(|h| {
            h.key == job.key
                && h.setup == job.setup
                && h.plan == job.lr
                && h.trained.steps <= job.until
        });
        slot.doing = format!("training job {} (seed {})", job.key, job.setup.seed);
        let (id, mut trained, mut follower, mut watch) = match held {
            Some(h) => {
                let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
                conn.send(&ToWorker::Continue {
                    job: h.id,
                    until: job.until as u64,
                    evaluate_at: job.evaluate_at.iter().map(|&s| s as u64).collect(),
                })
                .map_err(|_| Broke::Fault(self.why_closed(slot)))?;
                (h.id, h.trained, h.follower, Some(h.watch))
            }
            None => {
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                let (lr, momentum) = spec_of(&job.lr, job.until);
                let mut evaluate_at: Vec<u64> = vec![0];
                evaluate_at.extend(job.evaluate_at.iter().map(|&s| s as u64));
                let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
                conn.send(&ToWorker::Job(Job {
                    job: id,
                    kind: JobKind::Train,
                    seed: job.setup.seed,
                    lr,
                    until: job.until as u64,
                    evaluate_at,
                    knobs: self.knobs(&job.setup),
                    momentum,
                }))
                .map_err(|_| Broke::Fault(self.why_closed(slot)))?;
                let follower =
                    LrFollower::new(job.lr.clone()).map_err(|e| Broke::Fault(e.to_string()))?;
                let trained = Trained {
                    initial_loss: f64::NAN,
                    evaluations: Vec::new(),
                    steps: 0,
                    diverged: false,
                    seconds: 0.0,
                };
                (id, trained, follower, None)
            }
        };
        let follow = matches!(job.lr, LrPlan::Plateau(_));
        let mut skips = 0;
        let mut diverged_now = false;
        loop {
            slot.doing = format!(
                "training job {} (seed {}) at step {} of {}",
                job.key, job.setup.seed, trained.steps, job.until
            );
            match self.next(slot, id) {
                Ok(FromWorker::Step { skipped: true, .. }) => {
                    skips += 1;
                    if skips > MAX_SKIPS {
                        return Err(Broke::Fault(format!(
                            "skipped {MAX_SKIPS} updates in a row: its loss scaler never settles"
                        )));
                    }
                }
                Ok(FromWorker::Step { loss, .. }) => {
                    skips = 0;
                    if trained.diverged {
                        continue;
                    }
                    trained.steps += 1;
                    self.updates.fetch_add(1, Ordering::Relaxed);
                    if !loss.is_finite() {
                        trained.diverged = true;
                        diverged_now = true;
                        break;
                    }
                }
                Ok(FromWorker::Eval { step, loss, .. }) => {
                    if trained.diverged {
                        continue;
                    }
                    if step == 0 {
                        trained.initial_loss = loss;
                        watch = Some(TrainingWatch::new(loss));
                        if follow {
                            // A follow job waits for its LR after every measurement, this one
                            // included (docs/protocol.md): the plan's first LR.
                            let lr = follower.lr(0);
                            let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
                            conn.send(&ToWorker::Lr { job: id, lr })
                                .map_err(|_| Broke::Fault(self.why_closed(slot)))?;
                        }
                        continue;
                    }
                    let Some(w) = watch else {
                        return Err(Broke::Fault(
                            "measured after updates before measuring the untrained model (step 0)"
                                .into(),
                        ));
                    };
                    let lr = follower.lr(trained.steps.saturating_sub(1));
                    trained.evaluations.push(ValPoint {
                        step: step as usize,
                        loss,
                        lr,
                    });
                    if w.val_diverged(loss) {
                        trained.diverged = true;
                        diverged_now = true;
                        break;
                    }
                    follower.measured(loss);
                    if follow {
                        let next = follower.lr(trained.steps);
                        let conn = slot.conn.as_mut().ok_or(Broke::Fault("is gone".into()))?;
                        conn.send(&ToWorker::Lr { job: id, lr: next })
                            .map_err(|_| Broke::Fault(self.why_closed(slot)))?;
                    }
                }
                Ok(FromWorker::Done { .. }) => {
                    if trained.steps < job.until {
                        return Err(Broke::Fault(format!(
                            "ended training job {} at step {} of {}",
                            job.key, trained.steps, job.until
                        )));
                    }
                    break;
                }
                Ok(_) => {}
                Err(b) => return Err(b),
            }
        }
        if diverged_now {
            self.stop_job(slot, id, self.config.step_timeout, &mut |_| {})?;
        }
        if !trained.initial_loss.is_finite() && watch.is_none() {
            return Err(Broke::Fault(
                "never measured the untrained model (step 0 of evaluate_at)".into(),
            ));
        }
        trained.seconds += clock.elapsed().as_secs_f64();
        if !trained.diverged {
            slot.held = Some(Held {
                key: job.key,
                id,
                setup: job.setup,
                plan: job.lr.clone(),
                trained: trained.clone(),
                follower,
                watch: watch.expect("measured"),
            });
        }
        slot.doing = "waiting for a job".into();
        Ok(trained)
    }

    /// Sends `shutdown` to every worker, gives each started one [`GRACE`] to exit, then ends
    /// it and its process group. Idempotent.
    pub fn close(&self) {
        for s in &self.slots {
            let mut s = s.lock().expect("unpoisoned");
            if let Some(mut c) = s.conn.take() {
                let _ = c.send(&ToWorker::Shutdown);
                c.close();
            }
        }
        let mut launched = self.launched.lock().expect("unpoisoned");
        for l in launched.iter_mut() {
            if l.wait_for(GRACE).is_none() {
                l.end();
            } else {
                // Its process group may outlive it (a rank it started).
                l.end();
            }
        }
    }

    /// Runs `work` on every live worker at once until `queue` is empty; a job whose worker
    /// broke goes back to the queue for another (each job twice at most), and when none is
    /// left the run stops.
    fn each_worker<T: Send>(
        &self,
        queue: &Mutex<VecDeque<usize>>,
        results: &Mutex<Vec<Option<T>>>,
        pick: &(dyn Fn(&Slot, &mut VecDeque<usize>) -> Option<usize> + Sync),
        work: &(dyn Fn(&mut Slot, usize) -> JobOutcome<T> + Sync),
    ) {
        let tries: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
        std::thread::scope(|scope| {
            for slot in &self.slots {
                scope.spawn(|| loop {
                    let mut s = slot.lock().expect("unpoisoned");
                    if s.conn.is_none() || crate::interrupt::requested() {
                        return;
                    }
                    let Some(j) = pick(&s, &mut queue.lock().expect("unpoisoned")) else {
                        return;
                    };
                    match work(&mut s, j) {
                        Ok(r) => results.lock().expect("unpoisoned")[j] = Some(r),
                        Err((Broke::Stopped, partial)) => {
                            results.lock().expect("unpoisoned")[j] = partial;
                            return;
                        }
                        Err((Broke::Fault(why), partial)) => {
                            let label = s.label.clone();
                            self.drop_worker(&mut s, &why);
                            drop(s);
                            let n = {
                                let mut t = tries.lock().expect("unpoisoned");
                                let n = t.entry(j).or_insert(0);
                                *n += 1;
                                *n
                            };
                            if n < 2 && self.any_alive() {
                                queue.lock().expect("unpoisoned").push_front(j);
                            } else {
                                results.lock().expect("unpoisoned")[j] = partial;
                                self.give_up(&label, &why);
                            }
                            return;
                        }
                    }
                });
            }
        });
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

/// The job a message is about.
fn job_of(m: &FromWorker) -> Option<u64> {
    match m {
        FromWorker::Step { job, .. }
        | FromWorker::Eval { job, .. }
        | FromWorker::Done { job, .. } => Some(*job),
        _ => None,
    }
}

/// How a plan travels: a table of `until` LRs (with the momentum of a schedule that cycles it),
/// a constant, or an LR to follow.
fn spec_of(plan: &LrPlan, until: usize) -> (LrSpec, Option<Vec<f64>>) {
    match plan {
        LrPlan::Constant(lr) => (LrSpec::Constant(*lr), None),
        LrPlan::Table(s) => {
            let lr = (0..until).map(|i| s.lr(i)).collect();
            let momentum: Option<Vec<f64>> = (0..until).map(|i| s.momentum(i)).collect();
            (LrSpec::Table(lr), momentum)
        }
        LrPlan::Plateau(p) => (LrSpec::Follow(p.lr), None),
    }
}

/// Steps between a range test's validation measurements: as the built-in engine measures, every
/// `ceil(validation rows / batch size)` steps (about a third of the training's cost), when the
/// worker said its sizes; else 25 measurements over the test.
fn val_every(hello: &Hello, batch_size: usize, steps: usize) -> usize {
    let rows = hello.train_size.map_or(usize::MAX, |t| t as usize);
    let batch = batch_size.min(rows).max(1);
    match hello.val_size {
        Some(v) if v > 0 => (v as usize).div_ceil(batch),
        _ => steps.div_ceil(25),
    }
    .max(1)
}

/// The first 120 characters of a line, for a message.
fn shorten(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut s: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        s.push_str("...");
    }
    format!("`{s}`")
}

impl Engine for Pool {
    fn capabilities(&self) -> Capabilities {
        let hellos = self.hellos();
        let has = |knob: &str| hellos.iter().all(|h| h.knobs.iter().any(|k| k == knob));
        let first = hellos.first().cloned().unwrap_or_default();
        Capabilities {
            validation: !hellos.is_empty() && hellos.iter().all(|h| h.validation),
            train_rows: first.train_size.map(|t| t as usize),
            classes: first.classes.map(|c| c as usize),
            knobs: Knobs {
                weight_decay: has("weight_decay"),
                momentum: has("momentum"),
                batch_size: has("batch_size"),
            },
            parallel: self.slots.len(),
            carries_on: false,
        }
    }

    fn range_tests(&self, jobs: &[RangeJob], progress: &ProgressBar) -> Result<Vec<Run>> {
        let queue = Mutex::new((0..jobs.len()).collect::<VecDeque<_>>());
        let results: Mutex<Vec<Option<Run>>> = Mutex::new(vec![None; jobs.len()]);
        self.each_worker(&queue, &results, &|_, q| q.pop_front(), &|slot, j| {
            self.range_test(slot, &jobs[j], progress)
        });
        let runs: Vec<Run> = results
            .into_inner()
            .expect("unpoisoned")
            .into_iter()
            .flatten()
            .collect();
        if runs.iter().all(|r| r.recording.samples.is_empty()) {
            return Err(self.fault().unwrap_or_else(|| Error::Worker {
                worker: "lrfind drive".into(),
                message: Message::new("interrupted (Ctrl-C) before any step was recorded"),
            }));
        }
        Ok(runs
            .into_iter()
            .filter(|r| !r.recording.samples.is_empty())
            .collect())
    }

    fn train(&self, jobs: &[TrainJob], progress: &ProgressBar) -> Result<Vec<Trained>> {
        let queue = Mutex::new((0..jobs.len()).collect::<VecDeque<_>>());
        let results: Mutex<Vec<Option<Trained>>> = Mutex::new(vec![None; jobs.len()]);
        // A worker takes the job whose training it holds, else one nobody holds, else any.
        let holders: HashMap<JobKey, usize> = self
            .slots
            .iter()
            .filter_map(|s| {
                let s = s.lock().expect("unpoisoned");
                s.held.as_ref().map(|h| (h.key, s.index))
            })
            .collect();
        let pick = |slot: &Slot, q: &mut VecDeque<usize>| {
            let mine = q
                .iter()
                .position(|&j| holders.get(&jobs[j].key) == Some(&slot.index));
            let free = || q.iter().position(|&j| !holders.contains_key(&jobs[j].key));
            let at = mine
                .or_else(free)
                .or(if q.is_empty() { None } else { Some(0) })?;
            q.remove(at)
        };
        self.each_worker(&queue, &results, &pick, &|slot, j| {
            let r = self.train_job(slot, &jobs[j]).map_err(|b| (b, None));
            progress.inc(1);
            r
        });
        let placeholder = Trained {
            initial_loss: f64::NAN,
            evaluations: Vec::new(),
            steps: 0,
            diverged: false,
            seconds: 0.0,
        };
        let out: Vec<Trained> = results
            .into_inner()
            .expect("unpoisoned")
            .into_iter()
            .map(|r| r.unwrap_or_else(|| placeholder.clone()))
            .collect();
        if !crate::interrupt::requested() && out.iter().any(|t| t.initial_loss.is_nan()) {
            // Every job was given out, and one has no result without a stop: a fault.
            let f = self.fault();
            return Err(f.unwrap_or_else(|| Error::Worker {
                worker: "lrfind drive".into(),
                message: Message::new("a training job got no result"),
            }));
        }
        Ok(out)
    }

    fn trained_updates(&self) -> usize {
        self.updates.load(Ordering::Relaxed)
    }

    fn release(&self, keys: &[JobKey]) {
        for s in &self.slots {
            let mut s = s.lock().expect("unpoisoned");
            if s.held.as_ref().is_some_and(|h| keys.contains(&h.key)) {
                s.held = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::worker::Worker;
    use crate::optim::{OptimizerConfig, OptimizerKind};
    use crate::schedule::PlateauConfig;

    /// A job that follows lrfind's LR (reduce-on-plateau) waits for an `lr` after every
    /// measurement, the untrained model's at step 0 included (docs/protocol.md): the Rust worker
    /// and the Python client both do, so lrfind must send one there too.
    #[test]
    fn a_follow_job_gets_an_lr_after_every_measurement_the_first_included() {
        let listening = Pool::listen(PoolConfig {
            command: Vec::new(),
            workers: 1,
            listen: loopback(),
            token: "t".into(),
            step_timeout: Duration::from_secs(5),
            knobs: SentKnobs::default(),
        })
        .unwrap();
        let addr = listening.addr();
        let worker = std::thread::spawn(move || {
            let hello = Hello {
                token: "t".into(),
                validation: true,
                ..Hello::default()
            };
            let mut worker = Worker::connect(addr, hello).unwrap();
            let mut lrs = Vec::new();
            while let Some(mut job) = worker.next_job().unwrap() {
                if job.wants_eval() {
                    job.eval(1.0).unwrap();
                }
                while let Some(lr) = job.next_lr().unwrap() {
                    lrs.push(lr);
                    job.step(1.0).unwrap();
                    if job.wants_eval() {
                        job.eval(1.0).unwrap();
                    }
                }
            }
            lrs
        });
        let pool = listening.start().unwrap();
        let job = TrainJob {
            key: 1,
            setup: Setup {
                optimizer: OptimizerConfig::new(OptimizerKind::Sgd),
                batch_size: 8,
                seed: 0,
            },
            lr: LrPlan::Plateau(PlateauConfig {
                patience: 0,
                ..PlateauConfig::new(0.1)
            }),
            until: 4,
            evaluate_at: vec![1, 2, 3, 4],
        };
        let trained = pool.train(&[job], &ProgressBar::hidden());
        pool.close();
        let lrs = worker.join().unwrap();
        let fault = pool.fault().map(|f| f.to_string());
        crate::interrupt::clear();
        let trained = trained.unwrap();
        assert_eq!(fault, None);
        assert_eq!(trained[0].steps, 4);
        // A flat validation loss: the first measurement after training sets the best, every
        // later one is a plateau and divides the LR by 10 (patience 0).
        let want = [0.1, 0.1, 0.01, 0.001];
        assert_eq!(lrs.len(), want.len(), "{lrs:?}");
        for (got, want) in lrs.iter().zip(want) {
            assert!((got - want).abs() < 1e-12 * want, "{lrs:?}");
        }
    }
}
