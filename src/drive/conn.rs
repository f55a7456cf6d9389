//! The protocol's framing: one JSON object a line over a TCP stream, on both sides. Reading waits
//! in short slices, so that a wait can end at a deadline (a hung peer) or when asked to stop
//! (Ctrl-C) without losing a line that was half received.

use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How long one slice of a wait lasts: the longest a stop request goes unnoticed.
const SLICE: Duration = Duration::from_millis(100);
/// The longest line read: a line longer than this is a fault, not a message.
pub const MAX_LINE: usize = 64 << 20;

/// What a wait for a line came to.
#[derive(Debug)]
pub enum Received {
    /// A whole line, without its newline.
    Line(Vec<u8>),
    /// The peer closed the connection (a partial last line is dropped).
    Closed,
    /// The deadline passed first.
    TimedOut,
    /// The stop check said to stop first.
    Stopped,
}

/// One end of a connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    partial: Vec<u8>,
}

impl Conn {
    /// The connection over `stream`.
    pub fn new(stream: TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        let writer = stream.try_clone()?;
        Ok(Conn {
            reader: BufReader::with_capacity(1 << 16, stream),
            writer,
            partial: Vec::new(),
        })
    }

    /// Sends one message as a line.
    pub fn send(&mut self, message: &impl Serialize) -> io::Result<()> {
        let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
        line.push(b'\n');
        self.writer.write_all(&line)
    }

    /// Sends a line as it is (a newline is added).
    pub fn send_line(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.writer.write_all(&bytes)
    }

    /// Waits for the next line until `deadline`, asking `stop` between slices of the wait.
    pub fn recv(&mut self, deadline: Instant, stop: &dyn Fn() -> bool) -> io::Result<Received> {
        loop {
            // A line already buffered needs no wait.
            if let Some(line) = self.take_buffered_line()? {
                return Ok(Received::Line(line));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Received::TimedOut);
            }
            if stop() {
                return Ok(Received::Stopped);
            }
            let slice = SLICE.min(deadline - now).max(Duration::from_millis(1));
            self.reader.get_ref().set_read_timeout(Some(slice))?;
            match self.reader.fill_buf() {
                Ok([]) => return Ok(Received::Closed),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    return Ok(Received::Closed)
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A line, if the buffer holds one, else `None` with what there is kept for later. Never
    /// waits: it reads only what is already buffered.
    fn take_buffered_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let buffered = self.reader.buffer();
        match memchr::memchr(b'\n', buffered) {
            Some(at) => {
                self.partial.extend_from_slice(&buffered[..at]);
                self.reader.consume(at + 1);
                let mut line = std::mem::take(&mut self.partial);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Ok(Some(line))
            }
            None => {
                let n = buffered.len();
                self.partial.extend_from_slice(buffered);
                self.reader.consume(n);
                if self.partial.len() > MAX_LINE {
                    return Err(io::Error::new(
                        ErrorKind::InvalidData,
                        format!("a line longer than {} MB", MAX_LINE >> 20),
                    ));
                }
                Ok(None)
            }
        }
    }

    /// A line if one has arrived, without waiting (the worker's check for `stop` between
    /// updates).
    pub fn poll(&mut self) -> io::Result<Option<Received>> {
        if let Some(line) = self.take_buffered_line()? {
            return Ok(Some(Received::Line(line)));
        }
        self.reader.get_ref().set_nonblocking(true)?;
        let read = self.reader.fill_buf().map(|b| b.is_empty());
        self.reader.get_ref().set_nonblocking(false)?;
        match read {
            Ok(true) => Ok(Some(Received::Closed)),
            Ok(false) => Ok(self.take_buffered_line()?.map(Received::Line)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                Ok(Some(Received::Closed))
            }
            Err(e) => Err(e),
        }
    }

    /// Closes both directions.
    pub fn close(&self) {
        let _ = self.writer.shutdown(std::net::Shutdown::Both);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (Conn, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (Conn::new(server).unwrap(), client)
    }

    #[test]
    fn lines_arrive_whole_across_waits_and_a_close_is_seen() {
        let (mut conn, mut peer) = pair();
        let soon = || Instant::now() + Duration::from_millis(300);
        peer.write_all(b"{\"a\":").unwrap();
        assert!(matches!(
            conn.recv(soon(), &|| false).unwrap(),
            Received::TimedOut
        ));
        peer.write_all(b"1}\r\n{\"b\":2}\n").unwrap();
        let Received::Line(l) = conn.recv(soon(), &|| false).unwrap() else {
            panic!()
        };
        assert_eq!(l, b"{\"a\":1}");
        let Received::Line(l) = conn.recv(soon(), &|| false).unwrap() else {
            panic!()
        };
        assert_eq!(l, b"{\"b\":2}");
        assert!(conn.poll().unwrap().is_none());
        assert!(matches!(
            conn.recv(soon(), &|| true).unwrap(),
            Received::Stopped
        ));
        drop(peer);
        assert!(matches!(
            conn.recv(soon(), &|| false).unwrap(),
            Received::Closed
        ));
    }
}
