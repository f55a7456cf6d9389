"""The worker's side of lrfind's protocol, version 1 (docs/protocol.md): connect to the lrfind
that started this script, say what it supports, and train each job lrfind hands out.

It mirrors lrfind's Rust worker (src/drive/worker.rs) message for message: a ``hello`` answered by
``welcome`` or ``refused``; ``job`` messages, each a training from a fresh start; a ``step`` line
per optimizer update (``null`` for a loss that is not finite: lrfind reads it as a divergence);
``eval`` lines at the steps the job names; ``done`` when the job reaches its last update, after
which lrfind may ``continue`` it; ``stop`` (answered by ``done``), ``lr`` for a job that follows
lrfind's LR, and ``shutdown``. Unknown message types are skipped; a line that is not a message is a
:class:`ProtocolError`.

Only the standard library is used. Speed matters (a worker that does no work sustains tens of
thousands of steps per second, bench/drive_overhead.sh): a step is one ``%``-formatted line and one
``send``; looking for a ``stop`` between updates is one non-blocking ``recv``.
"""

import json
import math
import os
import socket
import sys

#: The protocol version this client speaks.
PROTOCOL = 1

#: The knobs a job may set: a worker names those it applies in :func:`connect`.
KNOBS = ("batch_size", "weight_decay", "momentum")

ENV_CONNECT = "LRFIND_CONNECT"
ENV_TOKEN = "LRFIND_TOKEN"
ENV_WORKER = "LRFIND_WORKER"
ENV_WORKERS = "LRFIND_WORKERS"

#: The message types lrfind sends in this version; others are skipped.
_KNOWN = frozenset(("welcome", "refused", "job", "continue", "lr", "stop", "shutdown"))

#: Non-blocking receive without two fcntl calls, where the platform has it.
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)


class NotUnderLrfind(RuntimeError):
    """The script was not started by ``lrfind drive`` (``LRFIND_CONNECT`` is not set)."""


class Refused(RuntimeError):
    """lrfind refused this worker's hello (a wrong token, another protocol version)."""


class ProtocolError(RuntimeError):
    """lrfind sent something that is not a message of this protocol."""


def _parse(line):
    """A message from lrfind as a dict, ``None`` for a type this version does not know."""
    try:
        message = json.loads(line)
    except ValueError as e:
        raise ProtocolError("from lrfind: not JSON (%s): %r" % (e, line[:120])) from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError('from lrfind: no "type": %r' % (line[:120],))
    if message["type"] not in _KNOWN:
        return None
    return message


_CLOSED = {"type": "__closed__"}


class _Conn:
    """One JSON object a line over a TCP stream, with a buffer of what was received."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False

    def send(self, text):
        """Sends ``text``; once lrfind has gone, nothing (the next wait or poll sees it gone)."""
        if self.closed:
            return
        try:
            self.sock.sendall(text.encode())
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.closed = True
            self.buf = b""

    def _buffered(self):
        """The next known message already buffered, else ``None``."""
        while True:
            at = self.buf.find(b"\n")
            if at < 0:
                return None
            line, self.buf = self.buf[:at], self.buf[at + 1 :]
            message = _parse(line)
            if message is not None:
                return message

    def _fill(self, flags):
        try:
            data = self.sock.recv(1 << 16, flags)
        except (BlockingIOError, InterruptedError):
            return False
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            self.buf = b""
            return False
        self.buf += data
        return True

    def recv(self):
        """Waits for lrfind's next message; :data:`_CLOSED` once it has closed."""
        while True:
            message = self._buffered()
            if message is not None:
                return message
            if self.closed:
                return _CLOSED
            self._fill(0)

    def poll(self):
        """A message if one has arrived, :data:`_CLOSED` if lrfind has closed, else ``None``;
        never waits."""
        message = self._buffered()
        if message is not None:
            return message
        if self.closed:
            return _CLOSED
        if _DONTWAIT:
            got = self._fill(_DONTWAIT)
        else:  # pragma: no cover - platforms without MSG_DONTWAIT
            self.sock.setblocking(False)
            try:
                got = self._fill(0)
            finally:
                self.sock.setblocking(True)
        if got:
            return self.poll()
        return _CLOSED if self.closed else None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _number(value):
    """``value`` as JSON: a finite number as Python writes it, anything else as null."""
    value = float(value)
    return repr(value) if math.isfinite(value) else "null"


def _address(text):
    """``HOST:PORT`` (``[V6]:PORT`` too) as a socket address."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise NotUnderLrfind("%s=%r is not HOST:PORT" % (ENV_CONNECT, text))
    return host.strip("[]") or "127.0.0.1", int(port)


def connect(
    framework=None,
    validation=False,
    train_size=None,
    val_size=None,
    batch_size=None,
    optimizer=None,
    knobs=(),
    name=None,
    classes=None,
    *,
    distributed=None,
    address=None,
    token=None,
):
    """Connects to lrfind and says hello; returns the :class:`Worker`.

    ``framework`` and ``optimizer`` are for the summary (an optimizer lrfind knows, such as
    ``adam`` or ``sgd``, also picks which momentum a ``--momentum`` list means). ``validation``
    says that the worker measures a validation loss when a job asks for one (without it lrfind
    runs the range test and its rules, and no race). ``train_size``, ``val_size`` and
    ``batch_size`` are examples in an epoch, validation examples and the batch size the worker
    trains with (they size the range test and how often it measures). ``knobs`` names those of
    :data:`KNOBS` the worker applies from ``job.knobs``. ``name`` defaults to the script's file
    name, ``classes`` to none.

    The address and token come from ``LRFIND_CONNECT`` and ``LRFIND_TOKEN`` (``lrfind drive``
    sets both; ``address`` and ``token`` override them). Raises :class:`NotUnderLrfind` when
    there is no address, :class:`Refused` when lrfind refuses the hello.

    ``distributed``: in a job of several processes (``torch.distributed`` initialised with more
    than one rank, which ``None`` detects from ``WORLD_SIZE``), rank 0 alone speaks to lrfind and
    every job, LR and stop is shared with the other ranks, which run the same loop; ``False``
    turns that off, and any object with a ``leader`` attribute and a ``share(obj)`` method (the
    object the leader passed, on every rank) replaces torch's broadcast.
    """
    for knob in knobs:
        if knob not in KNOBS:
            raise ValueError("unknown knob %r: the knobs are %s" % (knob, ", ".join(KNOBS)))
    share = _sharing(distributed)
    index_env = os.environ.get(ENV_WORKER)
    index = int(index_env) if index_env and index_env.isdigit() else None
    if share is not None and not share.leader:
        return Worker(None, index or 0, share)
    address = address or os.environ.get(ENV_CONNECT)
    if not address:
        raise NotUnderLrfind(
            "%s is not set: run this script under lrfind, as `lrfind drive -- python %s`"
            % (ENV_CONNECT, os.path.basename(sys.argv[0]) or "train.py")
        )
    host, port = _address(address) if isinstance(address, str) else address
    hello = {
        "type": "hello",
        "protocol": PROTOCOL,
        "token": token if token is not None else os.environ.get(ENV_TOKEN, ""),
        "name": name or os.path.basename(sys.argv[0]) or "python",
        "validation": bool(validation),
        "knobs": list(knobs),
    }
    for key, value in (
        ("framework", framework),
        ("optimizer", optimizer),
        ("train_size", train_size),
        ("val_size", val_size),
        ("batch_size", batch_size),
        ("classes", classes),
        ("worker", index),
    ):
        if value is not None:
            hello[key] = value if isinstance(value, str) else int(value)
    try:
        sock = socket.create_connection((host, port), timeout=60)
    except OSError as e:
        raise ConnectionError("cannot reach lrfind at %s:%s: %s" % (host, port, e)) from None
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = _Conn(sock)
    conn.send(json.dumps(hello) + "\n")
    answer = conn.recv()
    if answer["type"] == "__closed__":
        raise ProtocolError("lrfind closed the connection without answering the hello")
    if answer["type"] == "refused":
        conn.close()
        raise Refused("lrfind refused this worker: %s" % answer.get("reason", ""))
    if answer["type"] != "welcome":
        conn.close()
        raise ProtocolError("lrfind answered the hello with %r" % (answer,))
    if index is None:
        index = int(answer.get("worker", 0))
    return Worker(conn, index, share)


def _sharing(distributed):
    """How jobs reach the other ranks of a multi-process job: ``None`` for a single process."""
    if distributed is False:
        return None
    if distributed is None or distributed is True:
        if distributed is None and os.environ.get("WORLD_SIZE", "1") in ("", "1"):
            return None
        from ._share import TorchShare

        return TorchShare.detect(required=distributed is True)
    if not hasattr(distributed, "leader") or not hasattr(distributed, "share"):
        raise TypeError("distributed must be None, a bool, or an object with leader and share()")
    return distributed


class Worker:
    """A connection to lrfind: :meth:`jobs` gives each job to train."""

    def __init__(self, conn, index, share=None):
        self._conn = conn
        #: The worker index lrfind gave this process (``LRFIND_WORKER``), to pick a GPU by.
        self.index = index
        self._share = share
        self._next = None
        self._job = None

    @property
    def leader(self):
        """Whether this process speaks to lrfind (rank 0 of a multi-process job, or the only
        one)."""
        return self._conn is not None

    def jobs(self):
        """Each job lrfind hands out, until it says ``shutdown`` or closes the connection."""
        while True:
            job = self.next_job()
            if job is None:
                return
            yield job

    def next_job(self):
        """The next :class:`Job`, or ``None`` when lrfind has no more."""
        if self._job is not None and not self._job._ended and self._conn is not None:
            # The loop left a job before its end: say so at once, rather than let lrfind wait.
            self._job._finish()
        self._job = None
        message = None
        if self._conn is not None:
            while True:
                message = self._next or self._conn.recv()
                self._next = None
                kind = message["type"]
                if kind == "job":
                    break
                if kind in ("shutdown", "__closed__"):
                    message = None
                    break
                # A stop or continue for a job already over: nothing to do.
        if self._share is not None:
            message = self._share.share(message)
        if message is None:
            self.close()
            return None
        self._job = Job(self, message)
        return self._job

    def error(self, message):
        """Reports a fault that ends this worker: lrfind prints it, drops this worker and keeps
        what was measured."""
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.send(json.dumps({"type": "error", "message": str(message)}) + "\n")
            except OSError:
                pass

    def close(self):
        """Closes the connection (lrfind reads it as this worker leaving)."""
        if self._conn is not None:
            self._conn.close()


class Job:
    """One job: a training from a fresh start, seeded with :attr:`seed`.

    Attributes: ``kind`` (``"range"`` or ``"train"``), ``id`` (its number), ``seed``, ``knobs``
    (``weight_decay``, ``momentum``, ``batch_size``: the value to apply, or ``None`` for the
    worker's own), ``lr_spec`` and ``evaluate_at`` as lrfind sent them, ``spec`` (the whole
    message).
    """

    def __init__(self, worker, spec):
        self._worker = worker
        self._conn = worker._conn
        self._share = worker._share
        self.spec = spec
        self.id = int(spec["job"])
        self.kind = spec["kind"]
        self.seed = int(spec["seed"])
        self._until = int(spec["until"])
        self.evaluate_at = [int(s) for s in spec.get("evaluate_at") or ()]
        given = spec.get("knobs") or {}
        self.knobs = {k: given.get(k) for k in KNOBS}
        self._momenta = spec.get("momentum")
        self.lr_spec = spec["lr"]
        lr = self.lr_spec
        self._table = None
        self._follow = False
        if not isinstance(lr, dict) or len(lr) != 1:
            raise ProtocolError("from lrfind: a job's lr must be one of constant, table, follow")
        (form, value), = lr.items()
        if form == "table":
            self._table = [float(x) for x in value]
            self._lr = self._table[-1] if self._table else float("nan")
        elif form in ("constant", "follow"):
            self._lr = float(value)
            self._follow = form == "follow"
        else:
            raise ProtocolError("from lrfind: unknown lr form %r" % (form,))
        self._done = 0
        self._evals = 0
        self._ended = False
        self._step_text = '{"type":"step","job":%d,"step":%%d,"loss":%%s}\n' % self.id

    @property
    def until(self):
        """The updates the job runs to (a range test may be stopped before; a ``continue``
        raises it)."""
        return self._until

    @property
    def done(self):
        """Updates done so far."""
        return self._done

    @property
    def ended(self):
        """Whether the job is over (its last update done and not carried further, or stopped)."""
        return self._ended

    @property
    def momentum(self):
        """The momentum (or Adam's beta1) of the next update when a schedule cycles it, else
        ``None`` (then ``knobs["momentum"]`` applies)."""
        m = self._momenta
        if not m:
            return None
        return float(m[self._done] if self._done < len(m) else m[-1])

    def wants_eval(self):
        """Whether lrfind wants the validation loss now, after :attr:`done` updates (0: the
        untrained model)."""
        at = self.evaluate_at
        while self._evals < len(at) and at[self._evals] < self._done:
            self._evals += 1
        return not self._ended and self._evals < len(at) and at[self._evals] == self._done

    def eval(self, loss):
        """Reports the validation loss after :attr:`done` updates. For a job that follows
        lrfind's LR (reduce-on-plateau), waits for the LR of the following updates."""
        if self._conn is not None:
            self._conn.send(
                '{"type":"eval","job":%d,"step":%d,"loss":%s}\n'
                % (self.id, self._done, _number(loss))
            )
        self._evals += 1
        if self._follow:
            if self._conn is not None:
                self._await_lr()
            if self._share is not None:
                self._lr, self._ended = self._share.share((self._lr, self._ended))

    def _await_lr(self):
        conn = self._conn
        while True:
            m = conn.recv()
            kind = m["type"]
            if kind == "lr" and m.get("job") == self.id:
                self._lr = float(m["lr"])
                return
            if kind == "stop" and m.get("job") == self.id:
                self._finish()
                return
            if kind in ("job", "shutdown"):
                self._worker._next = m
                self._ended = True
                return
            if kind == "__closed__":
                self._ended = True
                return

    def next_lr(self):
        """The LR of the next update, or ``None`` when the job is over: its last update is done
        and lrfind carries it no further, or lrfind stopped it (a range test that diverged)."""
        if self._ended:
            return None
        if self._conn is not None:
            lr = self._next_lr_leader()
        else:
            lr = None
        if self._share is not None:
            lr, until, evaluate_at = self._share.share(
                (lr, self._until, self.evaluate_at if self._share_at else None)
            )
            self._until = until
            if evaluate_at is not None:
                self.evaluate_at = evaluate_at
            self._share_at = False
            if lr is None:
                self._ended = True
        return lr

    _share_at = False

    def _next_lr_leader(self):
        conn = self._conn
        # A stop may have come while the last update ran.
        while True:
            m = conn.poll()
            if m is None:
                break
            kind = m["type"]
            if kind == "stop" and m.get("job") == self.id:
                self._finish()
                return None
            if kind in ("job", "shutdown"):
                self._worker._next = m
                self._ended = True
                return None
            if kind == "__closed__":
                self._ended = True
                return None
        while self._done >= self._until:
            conn.send('{"type":"done","job":%d,"steps":%d}\n' % (self.id, self._done))
            # Carried further, or over.
            while True:
                m = conn.recv()
                kind = m["type"]
                if kind == "continue" and m.get("job") == self.id:
                    self._until = int(m["until"])
                    self.evaluate_at = [int(s) for s in m.get("evaluate_at") or ()]
                    self._share_at = True
                    break
                if kind in ("job", "shutdown"):
                    self._worker._next = m
                    self._ended = True
                    return None
                if kind == "__closed__":
                    self._ended = True
                    return None
                # A stop for a job already done, or an lr: nothing to do.
        if self._follow or self._table is None:
            return self._lr
        table = self._table
        return table[self._done] if self._done < len(table) else self._lr

    def step(self, loss):
        """Reports the training loss of the update just done: one optimizer update (the mean
        over its micro-batches when gradients accumulate). A loss that is not finite (NaN, an
        infinity) is sent as null, which lrfind reads as a divergence."""
        if self._conn is not None:
            loss = float(loss)
            self._conn.send(
                self._step_text % (self._done, repr(loss) if math.isfinite(loss) else "null")
            )
        self._done += 1

    def step_mean(self, losses):
        """Reports one update whose gradients accumulated over micro-batches: the mean of their
        losses (NaN if any is not finite)."""
        losses = [float(x) for x in losses]
        self.step(math.fsum(losses) / len(losses) if losses else float("nan"))

    def skip(self):
        """Reports an update that was not applied (a GradScaler found an inf or NaN gradient and
        skipped the optimizer step): the LR does not advance, and the same step comes again."""
        if self._conn is not None:
            self._conn.send(
                '{"type":"step","job":%d,"step":%d,"skipped":true}\n' % (self.id, self._done)
            )

    def _finish(self):
        """Says the job is over after a stop (or after the loop left it)."""
        self._ended = True
        if self._conn is not None and not self._conn.closed:
            self._conn.send('{"type":"done","job":%d,"steps":%d}\n' % (self.id, self._done))
