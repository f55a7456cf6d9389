//! Starting the user's worker commands and ending them. Each command runs in a process group of
//! its own, so that ending it ends whatever it started (torchrun's ranks, a shell's children) and
//! so that the terminal's Ctrl-C reaches lrfind alone, which then stops the workers itself. Their
//! standard output and error stay the user's; standard input is closed.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Message, Result};

/// The environment a started worker finds: where to connect, its token, its index and the
/// number of workers.
pub const ENV_CONNECT: &str = "LRFIND_CONNECT";
/// The token a worker presents in its hello.
pub const ENV_TOKEN: &str = "LRFIND_TOKEN";
/// The worker's index, from 0 (a script picks its GPU by it).
pub const ENV_WORKER: &str = "LRFIND_WORKER";
/// How many workers lrfind started.
pub const ENV_WORKERS: &str = "LRFIND_WORKERS";

/// How long an ended worker gets to exit after `shutdown` (and again after SIGTERM) before the
/// next, harder signal.
pub const GRACE: Duration = Duration::from_secs(3);

/// A started worker command.
pub struct Launched {
    /// The worker's index.
    pub index: usize,
    /// The command as the user gave it, for messages.
    pub command: String,
    child: Child,
    exited: Option<ExitStatus>,
}

/// The command line as a person reads it: the words joined by spaces, quoted where they hold
/// one.
pub fn shown(command: &[OsString]) -> String {
    command
        .iter()
        .map(|w| {
            let w = w.to_string_lossy();
            if w.is_empty() || w.contains(char::is_whitespace) {
                format!("'{w}'")
            } else {
                w.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Launched {
    /// Starts `command` as worker `index` of `workers`, told to connect to `addr` with `token`.
    pub fn start(
        command: &[OsString],
        index: usize,
        workers: usize,
        addr: SocketAddr,
        token: &str,
    ) -> Result<Self> {
        let shown = shown(command);
        let (program, args) = command.split_first().ok_or_else(|| {
            Error::config(
                crate::error::Setting::Command,
                "give the worker's command after --, as `lrfind drive -- python train.py`",
            )
        })?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env(ENV_CONNECT, addr.to_string())
            .env(ENV_TOKEN, token)
            .env(ENV_WORKER, index.to_string())
            .env(ENV_WORKERS, workers.to_string())
            .stdin(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd.spawn().map_err(|e| Error::Worker {
            worker: format!("worker {index} ({shown})"),
            message: Message::new(format!(
                "cannot start it: {e}; check that the command runs on its own"
            )),
        })?;
        Ok(Launched {
            index,
            command: shown,
            child,
            exited: None,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How it exited, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// Waits up to `limit` for it to exit.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(s) = self.exited() {
                return Some(s);
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ends it and everything in its process group: what it started goes too. Asks with SIGTERM
    /// first, then kills; always reaps it. (The caller has already sent `shutdown` and waited,
    /// where there was a connection to send it on.)
    pub fn end(&mut self) {
        #[cfg(unix)]
        {
            let group = self.child.id() as libc::pid_t;
            let signal_group = |sig| unsafe {
                // SAFETY: kill(2) with a negative pid signals the process group the child leads;
                // it has no memory effects in this process.
                libc::kill(-group, sig);
            };
            if self.exited().is_none() {
                signal_group(libc::SIGTERM);
                if self.wait_for(GRACE).is_none() {
                    signal_group(libc::SIGKILL);
                }
            }
            // The leader may be gone and its children not: the group is cleared either way.
            signal_group(libc::SIGKILL);
        }
        #[cfg(not(unix))]
        {
            if self.exited().is_none() {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
        self.exited = self.child.try_wait().ok().flatten().or(self.exited);
    }
}

/// How an exit reads: `exited with status 1`, `was killed by signal 9`.
pub fn describe_exit(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("was killed by signal {sig}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with status {c}"),
        None => "exited".into(),
    }
}

/// A fresh token: 128 random bits in hex.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_compared_whole() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, &a[..31]));
    }

    #[test]
    fn commands_are_shown_as_typed() {
        let c: Vec<OsString> = ["python", "train.py", "--name", "my run"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(shown(&c), "python train.py --name 'my run'");
    }
}
