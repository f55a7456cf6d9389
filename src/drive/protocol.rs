//! The messages of lrfind's worker protocol, version [`VERSION`] (docs/protocol.md): one JSON
//! object a line, each with a `type`. A worker says `hello` with what it supports; lrfind answers
//! `welcome` (or `refused`), then hands it jobs. Unknown fields are ignored and unknown message
//! types are skipped, so either side can grow without breaking the other; a line that is not a
//! JSON object with a known shape is a fault.
//!
//! Losses travel as numbers; a loss that is not a number (NaN, an infinity) travels as `null`,
//! and the bare `NaN`, `Infinity` and `-Infinity` that Python's `json.dumps` writes are read as
//! `null` too.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol's version: a worker that speaks another is refused with a message saying which.
pub const VERSION: u32 = 1;

/// The worker's first line: who it is and what it can do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol version the worker speaks.
    pub protocol: u32,
    /// The token lrfind handed it (`LRFIND_TOKEN`).
    pub token: String,
    /// What to call it in messages (its script's name, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The framework it trains with (`pytorch`, `keras`, `jax`, `burn`, `lrfind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Whether it measures a validation loss when asked (without it there is no race).
    #[serde(default)]
    pub validation: bool,
    /// The knobs it applies from a job: any of `batch_size`, `weight_decay`, `momentum`.
    #[serde(default)]
    pub knobs: Vec<String>,
    /// Training examples in one epoch, when known (the range test's default length is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_size: Option<u64>,
    /// Validation examples, when known (how often a range test measures them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_size: Option<u64>,
    /// The batch size it trains with unless a job sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u64>,
    /// The optimizer it trains with, for the summary (`adam`, `sgd`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Classes of a classifier, when it is one (for advice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<u64>,
    /// The index lrfind gave a worker it started (`LRFIND_WORKER`), echoed so that lrfind knows
    /// which process a connection is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<u64>,
}

/// What kind of training a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A range test: the LR of each step from the table; lrfind stops it when the loss diverges.
    Range,
    /// A training run up to `until` updates, measured at the steps given.
    Train,
}

/// The LR of every update of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSpec {
    /// The same LR throughout.
    Constant(f64),
    /// The LR of each update, from 0; past the end, the last.
    Table(Vec<f64>),
    /// Start at this LR; after every measurement (the untrained model's at step 0 included) wait
    /// for an `lr` message with the LR of the following updates (lrfind runs reduce-on-plateau
    /// on the losses measured).
    Follow(f64),
}

impl LrSpec {
    /// The LR of update `step` (from 0); for `follow`, its first LR.
    pub fn lr(&self, step: usize) -> f64 {
        match self {
            LrSpec::Constant(lr) | LrSpec::Follow(lr) => *lr,
            LrSpec::Table(lr) => lr.get(step).or(lr.last()).copied().unwrap_or(f64::NAN),
        }
    }
}

/// The knobs a job sets; those absent are the worker's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct KnobValues {
    /// Rows per update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u64>,
    /// Weight decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// SGD's momentum, or Adam's beta1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
}

/// One job: a training from a fresh start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Its number, echoed in every message about it.
    pub job: u64,
    /// Range test or training run.
    pub kind: JobKind,
    /// Seed of the initial weights, the batch order and the held-out rows.
    pub seed: u64,
    /// The LR of every update.
    pub lr: LrSpec,
    /// Updates to do (a range test may be stopped before).
    pub until: u64,
    /// The update counts after which to measure the validation loss, ascending; 0 is the
    /// untrained model.
    #[serde(default)]
    pub evaluate_at: Vec<u64>,
    /// Knobs to set.
    #[serde(default)]
    pub knobs: KnobValues,
    /// The momentum (or Adam's beta1) of each update, for a schedule that cycles it; past the
    /// end, the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<Vec<f64>>,
}

/// A message lrfind sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// The hello was accepted.
    Welcome {
        /// The protocol version lrfind speaks.
        protocol: u32,
        /// The worker's index among lrfind's workers, from 0.
        worker: usize,
    },
    /// The hello was refused; the connection closes.
    Refused {
        /// Why.
        reason: String,
    },
    /// A new job (any job the worker holds is dropped).
    Job(Job),
    /// Carry the job the worker holds (it said `done`) on to `until` updates.
    Continue {
        /// The job.
        job: u64,
        /// Updates to have done in all.
        until: u64,
        /// Every measurement point, the earlier ones included.
        evaluate_at: Vec<u64>,
    },
    /// For a `follow` job, after a measurement: the LR of the following updates.
    Lr {
        /// The job.
        job: u64,
        /// The LR.
        lr: f64,
    },
    /// End the job now (it diverged, or lrfind is stopping); the worker answers `done`.
    Stop {
        /// The job.
        job: u64,
    },
    /// No more jobs: exit.
    Shutdown,
}

/// A message a worker sends.
#[derive(Debug, Clone, PartialEq)]
pub enum FromWorker {
    /// The first line.
    Hello(Hello),
    /// One update done (or skipped: a mixed-precision overflow, where the LR does not advance).
    Step {
        /// The job.
        job: u64,
        /// The update's index, from 0 (a skipped update repeats the index of the next).
        step: u64,
        /// Its training loss (the mean over micro-batches when gradients accumulate); NaN when
        /// the worker sent null.
        loss: f64,
        /// Whether the update was skipped.
        skipped: bool,
    },
    /// A validation loss, after `step` updates.
    Eval {
        /// The job.
        job: u64,
        /// Updates done before it.
        step: u64,
        /// The loss; NaN when null.
        loss: f64,
    },
    /// The job reached its end, or stopped when told.
    Done {
        /// The job.
        job: u64,
        /// Updates it did.
        steps: Option<u64>,
    },
    /// The worker cannot go on.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// What the worker's message types look like on the wire.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Wire {
    Hello(Hello),
    Step {
        job: u64,
        step: u64,
        #[serde(default)]
        loss: Option<f64>,
        #[serde(default)]
        skipped: bool,
    },
    Eval {
        job: u64,
        step: u64,
        #[serde(default)]
        loss: Option<f64>,
    },
    Done {
        job: u64,
        #[serde(default)]
        steps: Option<u64>,
    },
    Error {
        message: String,
    },
}

/// The message types a worker may send.
pub const WORKER_TYPES: [&str; 5] = ["hello", "step", "eval", "done", "error"];

/// Why a worker's line was not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// Reads one line from a worker: `Ok(None)` for a message of a type this version does not know
/// (skipped), an error for anything that is not a message.
pub fn parse_from_worker(line: &[u8]) -> Result<Option<FromWorker>, Malformed> {
    let text = std::str::from_utf8(line).map_err(|_| Malformed("not UTF-8".into()))?;
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(first) => serde_json::from_str(&non_finite_as_null(text))
            .map_err(|_| Malformed(format!("not JSON ({first})")))?,
    };
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        return Err(Malformed(
            "not a protocol message: a JSON object with a \"type\" is expected".into(),
        ));
    };
    if !WORKER_TYPES.contains(&kind) {
        return Ok(None);
    }
    let kind = kind.to_string();
    let wire: Wire = serde_json::from_value(value)
        .map_err(|e| Malformed(format!("a \"{kind}\" message with {e}")))?;
    let nan = |l: Option<f64>| l.unwrap_or(f64::NAN);
    Ok(Some(match wire {
        Wire::Hello(h) => FromWorker::Hello(h),
        Wire::Step {
            job,
            step,
            loss,
            skipped,
        } => FromWorker::Step {
            job,
            step,
            loss: nan(loss),
            skipped,
        },
        Wire::Eval { job, step, loss } => FromWorker::Eval {
            job,
            step,
            loss: nan(loss),
        },
        Wire::Done { job, steps } => FromWorker::Done { job, steps },
        Wire::Error { message } => FromWorker::Error { message },
    }))
}

/// The line a worker sends for `message` (without the newline).
pub fn worker_line(message: &FromWorker) -> String {
    let finite = |l: f64| l.is_finite().then_some(l);
    let value = match message {
        FromWorker::Hello(h) => {
            let mut v = serde_json::to_value(h).expect("a hello serialises");
            v["type"] = "hello".into();
            v
        }
        FromWorker::Step {
            job,
            step,
            loss,
            skipped,
        } => {
            if *skipped {
                serde_json::json!({"type": "step", "job": job, "step": step, "skipped": true})
            } else {
                serde_json::json!({"type": "step", "job": job, "step": step, "loss": finite(*loss)})
            }
        }
        FromWorker::Eval { job, step, loss } => {
            serde_json::json!({"type": "eval", "job": job, "step": step, "loss": finite(*loss)})
        }
        FromWorker::Done { job, steps } => {
            serde_json::json!({"type": "done", "job": job, "steps": steps})
        }
        FromWorker::Error { message } => {
            serde_json::json!({"type": "error", "message": message})
        }
    };
    value.to_string()
}

/// Reads one line from lrfind: `Ok(None)` for a type this version does not know.
pub fn parse_to_worker(line: &[u8]) -> Result<Option<ToWorker>, Malformed> {
    let value: Value =
        serde_json::from_slice(line).map_err(|e| Malformed(format!("not JSON ({e})")))?;
    let known = [
        "welcome", "refused", "job", "continue", "lr", "stop", "shutdown",
    ];
    match value.get("type").and_then(Value::as_str) {
        Some(t) if known.contains(&t) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| Malformed(e.to_string())),
        Some(_) => Ok(None),
        None => Err(Malformed("no \"type\"".into())),
    }
}

/// `text` with the bare tokens `NaN`, `Infinity` and `-Infinity` outside strings replaced by
/// `null`.
fn non_finite_as_null(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match token {
            Some(t) => {
                out.push_str("null");
                rest = &rest[t.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_messages_round_trip_and_null_is_nan() {
        let step = FromWorker::Step {
            job: 3,
            step: 7,
            loss: 0.25,
            skipped: false,
        };
        let line = worker_line(&step);
        assert_eq!(parse_from_worker(line.as_bytes()).unwrap(), Some(step));
        let nan = parse_from_worker(br#"{"type":"step","job":3,"step":8,"loss":null}"#)
            .unwrap()
            .unwrap();
        assert!(matches!(nan, FromWorker::Step { loss, .. } if loss.is_nan()));
        // What Python's json.dumps writes for a NaN, and an infinity.
        for python in [
            r#"{"type": "step", "job": 3, "step": 8, "loss": NaN}"#,
            r#"{"type": "eval", "job": 3, "step": 8, "loss": -Infinity}"#,
        ] {
            let m = parse_from_worker(python.as_bytes()).unwrap().unwrap();
            assert!(matches!(
                m,
                FromWorker::Step { loss, .. } | FromWorker::Eval { loss, .. } if loss.is_nan()
            ));
        }
        // Inside a string a NaN is text.
        let e = parse_from_worker(br#"{"type":"error","message":"loss is NaN"}"#).unwrap();
        assert_eq!(
            e,
            Some(FromWorker::Error {
                message: "loss is NaN".into()
            })
        );
    }

    #[test]
    fn unknown_types_and_fields_are_skipped_malformed_lines_are_not() {
        assert_eq!(
            parse_from_worker(br#"{"type":"progress","pct":5}"#).unwrap(),
            None
        );
        let hello = parse_from_worker(
            br#"{"type":"hello","protocol":1,"token":"t","validation":true,"gpu":"A100"}"#,
        )
        .unwrap()
        .unwrap();
        assert!(matches!(hello, FromWorker::Hello(h) if h.validation && h.knobs.is_empty()));
        for bad in [
            &b"loss 0.5"[..],
            br#"{"job":1}"#,
            br#"{"type":"step","job":"one","step":0}"#,
            br#"[1,2]"#,
            b"\xff\xfe",
        ] {
            assert!(parse_from_worker(bad).is_err(), "{:?}", bad);
        }
    }

    #[test]
    fn lrfind_messages_round_trip() {
        let job = ToWorker::Job(Job {
            job: 1,
            kind: JobKind::Train,
            seed: 2,
            lr: LrSpec::Table(vec![0.1, 0.05]),
            until: 2,
            evaluate_at: vec![0, 2],
            knobs: KnobValues {
                weight_decay: Some(1e-4),
                ..KnobValues::default()
            },
            momentum: Some(vec![0.85, 0.9]),
        });
        let line = serde_json::to_string(&job).unwrap();
        assert!(line.contains(r#""type":"job""#), "{line}");
        assert!(line.contains(r#""lr":{"table":[0.1,0.05]}"#), "{line}");
        assert!(line.contains(r#""momentum":[0.85,0.9]"#), "{line}");
        assert_eq!(parse_to_worker(line.as_bytes()).unwrap(), Some(job));
        let stop = serde_json::to_string(&ToWorker::Stop { job: 1 }).unwrap();
        assert_eq!(stop, r#"{"type":"stop","job":1}"#);
        assert_eq!(
            serde_json::to_string(&ToWorker::Shutdown).unwrap(),
            r#"{"type":"shutdown"}"#
        );
        let constant = serde_json::to_string(&LrSpec::Constant(0.01)).unwrap();
        assert_eq!(constant, r#"{"constant":0.01}"#);
    }
}
