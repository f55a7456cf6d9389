"""The client against a fake lrfind: a socket server on 127.0.0.1 that plays a script of lrfind's
messages and records the worker's, so that every part of the protocol is checked without lrfind
(standard library only; run by `cargo test --test python_client`, or
`python3 -m unittest discover -s clients/python/tests`). Every wait is bounded: the fake closes its
connection when its script ends or fails, and the worker then sees lrfind gone."""

import json
import math
import os
import queue
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lrfind_client  # noqa: E402
from lrfind_client import client as client_module  # noqa: E402

WAIT = 5.0


class Fake:
    """lrfind's side of one connection, played by ``script(peer)`` in a thread."""

    def __init__(self, script, welcome=True):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.server.settimeout(WAIT)
        self.address = "127.0.0.1:%d" % self.server.getsockname()[1]
        self.received = []
        self.lines = []
        self.error = None
        self.script = script
        self.welcome = welcome
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            conn, _ = self.server.accept()
            conn.settimeout(WAIT)
            self.conn = conn
            self.file = conn.makefile("rb")
            hello = self.recv()
            if self.welcome:
                self.send({"type": "welcome", "protocol": 1, "worker": 3})
            self.script(self)
        except BaseException as e:  # noqa: BLE001 - reported by join()
            self.error = e
        finally:
            for end in ("file", "conn"):
                try:
                    getattr(self, end).close()
                except Exception:  # noqa: BLE001 - never opened
                    pass
            self.server.close()
        del hello

    def send(self, message):
        text = message if isinstance(message, str) else json.dumps(message)
        self.conn.sendall(text.encode() + b"\n")

    def recv(self):
        line = self.file.readline()
        if not line:
            raise EOFError("the worker closed its connection")
        self.lines.append(line.decode())
        message = json.loads(line)
        self.received.append(message)
        return message

    def recv_until(self, kind):
        """Messages up to and including the first of type ``kind``."""
        got = []
        while True:
            m = self.recv()
            got.append(m)
            if m["type"] == kind:
                return got

    def join(self):
        self.thread.join(WAIT)
        if self.thread.is_alive():
            raise AssertionError("the fake lrfind did not finish its script")
        if self.error is not None:
            raise self.error


def job(number=1, kind="train", lr=None, until=4, evaluate_at=(0, 2, 4), **extra):
    message = {
        "type": "job",
        "job": number,
        "kind": kind,
        "seed": 7,
        "lr": lr or {"constant": 0.1},
        "until": until,
        "evaluate_at": list(evaluate_at),
        "knobs": {},
    }
    message.update(extra)
    return message


def train(job, loss=lambda lr: 0.5, val=lambda: 0.25, trace=None):
    """The loop of the API's contract; ``trace`` gets what the worker did."""
    trace = [] if trace is None else trace
    if job.wants_eval():
        trace.append(("eval", job.done))
        job.eval(val())
    while (lr := job.next_lr()) is not None:
        trace.append(("step", job.done, lr, job.momentum))
        job.step(loss(lr))
        if job.wants_eval():
            trace.append(("eval", job.done))
            job.eval(val())
    return trace


class Env:
    """LRFIND_* set for a test, restored after."""

    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.values}
        for k, v in self.values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def connect(fake, **kwargs):
    with Env(LRFIND_CONNECT=fake.address, LRFIND_TOKEN="sesame", LRFIND_WORKER="2", WORLD_SIZE=None):
        return lrfind_client.connect(**kwargs)


class Handshake(unittest.TestCase):
    def test_hello_says_what_the_worker_is_and_welcome_gives_its_index(self):
        fake = Fake(lambda peer: peer.send({"type": "shutdown"}))
        worker = connect(
            fake,
            framework="pytorch",
            validation=True,
            train_size=1000,
            val_size=200,
            batch_size=64,
            optimizer="adam",
            knobs=("weight_decay", "momentum"),
            classes=10,
        )
        self.assertEqual(list(worker.jobs()), [])
        fake.join()
        hello = fake.received[0]
        self.assertEqual(hello["type"], "hello")
        self.assertEqual(hello["protocol"], 1)
        self.assertEqual(hello["token"], "sesame")
        self.assertEqual(hello["worker"], 2)
        self.assertEqual(hello["name"], os.path.basename(sys.argv[0]) or "python")
        self.assertEqual(hello["framework"], "pytorch")
        self.assertIs(hello["validation"], True)
        self.assertEqual(hello["knobs"], ["weight_decay", "momentum"])
        self.assertEqual(
            (hello["train_size"], hello["val_size"], hello["batch_size"], hello["classes"]),
            (1000, 200, 64, 10),
        )
        self.assertEqual(hello["optimizer"], "adam")
        # LRFIND_WORKER is the index a script picks its GPU by.
        self.assertEqual(worker.index, 2)

    def test_without_lrfind_worker_the_index_is_the_welcomes(self):
        fake = Fake(lambda peer: peer.send({"type": "shutdown"}))
        with Env(LRFIND_CONNECT=fake.address, LRFIND_TOKEN="t", LRFIND_WORKER=None, WORLD_SIZE=None):
            worker = lrfind_client.connect(name="mine")
        self.assertEqual(list(worker.jobs()), [])
        fake.join()
        self.assertEqual(worker.index, 3)
        self.assertNotIn("worker", fake.received[0])
        self.assertEqual(fake.received[0]["name"], "mine")
        self.assertIs(fake.received[0]["validation"], False)

    def test_a_refused_hello_raises_with_lrfinds_reason(self):
        fake = Fake(
            lambda peer: peer.send({"type": "refused", "reason": "wrong token"}), welcome=False
        )
        with self.assertRaises(lrfind_client.Refused) as caught:
            connect(fake)
        fake.join()
        self.assertIn("wrong token", str(caught.exception))

    def test_outside_lrfind_the_error_says_how_to_run_it(self):
        with Env(LRFIND_CONNECT=None, WORLD_SIZE=None):
            with self.assertRaises(lrfind_client.NotUnderLrfind) as caught:
                lrfind_client.connect()
        self.assertIsInstance(caught.exception, RuntimeError)
        self.assertIn("lrfind drive --", str(caught.exception))

    def test_an_unknown_knob_is_refused_before_connecting(self):
        with self.assertRaises(ValueError):
            lrfind_client.connect(knobs=("dropout",), address="127.0.0.1:9")


class Jobs(unittest.TestCase):
    def test_a_train_job_steps_measures_says_done_and_is_carried_further(self):
        def script(peer):
            peer.send(job(knobs={"weight_decay": 0.01}))
            got = peer.recv_until("done")
            self.assertEqual(got[-1], {"type": "done", "job": 1, "steps": 4})
            peer.send({"type": "continue", "job": 1, "until": 6, "evaluate_at": [0, 2, 4, 6]})
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        traces = []
        for j in worker.jobs():
            self.assertEqual((j.kind, j.seed, j.until), ("train", 7, 4))
            self.assertEqual(j.knobs, {"batch_size": None, "weight_decay": 0.01, "momentum": None})
            traces.append(train(j))
            self.assertEqual(j.until, 6)
        fake.join()
        self.assertEqual(
            traces,
            [
                [("eval", 0)]
                + [("step", 0, 0.1, None), ("step", 1, 0.1, None), ("eval", 2)]
                + [("step", 2, 0.1, None), ("step", 3, 0.1, None), ("eval", 4)]
                + [("step", 4, 0.1, None), ("step", 5, 0.1, None), ("eval", 6)]
            ],
        )
        sent = [(m["type"], m.get("step"), m.get("loss")) for m in fake.received[1:]]
        self.assertEqual(sent[:4], [("eval", 0, 0.25), ("step", 0, 0.5), ("step", 1, 0.5), ("eval", 2, 0.25)])
        self.assertEqual(sent[-2:], [("eval", 6, 0.25), ("done", None, None)])
        self.assertEqual(fake.received[-1]["steps"], 6)

    def test_a_range_job_follows_its_table_and_ends_at_a_stop(self):
        training, stopped = threading.Event(), threading.Event()
        table = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]

        def script(peer):
            peer.send(job(kind="range", lr={"table": table}, until=6, evaluate_at=[1, 3]))
            # The stop arrives while the worker trains its third update.
            training.wait(WAIT)
            peer.send({"type": "stop", "job": 1})
            stopped.set()
            done = peer.recv_until("done")[-1]
            self.assertEqual(done, {"type": "done", "job": 1, "steps": 3})
            peer.send({"type": "shutdown"})

        def loss(lr):
            if lr == 1e-2:
                training.set()
                stopped.wait(WAIT)
                time.sleep(0.05)
            return lr

        fake = Fake(script)
        worker = connect(fake, validation=True)
        traces = [train(j, loss=loss) for j in worker.jobs()]
        fake.join()
        self.assertEqual(
            traces[0],
            [
                ("step", 0, 1e-4, None),
                ("eval", 1),
                ("step", 1, 1e-3, None),
                ("step", 2, 1e-2, None),
                ("eval", 3),
            ],
        )

    def test_a_range_job_that_runs_to_its_end_says_done(self):
        def script(peer):
            peer.send(job(kind="range", lr={"table": [0.1, 0.2]}, until=3, evaluate_at=[]))
            self.assertEqual(peer.recv_until("done")[-1]["steps"], 3)
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake)
        traces = [train(j) for j in worker.jobs()]
        fake.join()
        # Past the table's end, its last LR.
        self.assertEqual([t[2] for t in traces[0]], [0.1, 0.2, 0.2])

    def test_a_follow_job_waits_for_each_lr_after_a_measurement(self):
        def script(peer):
            peer.send(job(lr={"follow": 0.1}, until=4, evaluate_at=[0, 2, 4]))
            self.assertEqual(peer.recv()["type"], "eval")
            peer.send({"type": "lr", "job": 1, "lr": 0.1})
            got = peer.recv_until("eval")
            self.assertEqual([m["step"] for m in got], [0, 1, 2])
            peer.send({"type": "lr", "job": 9, "lr": 5.0})  # another job's: skipped
            peer.send({"type": "lr", "job": 1, "lr": 0.01})
            peer.recv_until("eval")
            peer.send({"type": "stop", "job": 1})
            self.assertEqual(peer.recv(), {"type": "done", "job": 1, "steps": 4})
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        traces = [train(j) for j in worker.jobs()]
        fake.join()
        self.assertEqual([t[2] for t in traces[0] if t[0] == "step"], [0.1, 0.1, 0.01, 0.01])

    def test_momentum_of_a_schedule_is_given_per_update(self):
        def script(peer):
            peer.send(job(lr={"table": [0.1, 0.2, 0.3]}, until=3, evaluate_at=[0], momentum=[0.95, 0.9]))
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        traces = [train(j) for j in worker.jobs()]
        fake.join()
        self.assertEqual([t[3] for t in traces[0] if t[0] == "step"], [0.95, 0.9, 0.9])

    def test_a_skipped_update_repeats_its_step_and_its_lr(self):
        def script(peer):
            peer.send(job(kind="range", lr={"table": [0.1, 0.2]}, until=2, evaluate_at=[]))
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake)
        lrs = []
        for j in worker.jobs():
            first = True
            while (lr := j.next_lr()) is not None:
                lrs.append(lr)
                if first:
                    j.skip()
                    first = False
                else:
                    j.step(1.0)
        fake.join()
        self.assertEqual(lrs, [0.1, 0.1, 0.2])
        steps = [m for m in fake.received if m["type"] == "step"]
        self.assertEqual(steps[0], {"type": "step", "job": 1, "step": 0, "skipped": True})
        self.assertEqual([s["step"] for s in steps], [0, 0, 1])

    def test_non_finite_losses_travel_as_null(self):
        def script(peer):
            peer.send(job(until=3, evaluate_at=[0, 3]))
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        losses = iter([float("nan"), float("inf"), 0.5])
        fake = Fake(script)
        worker = connect(fake, validation=True)
        for j in worker.jobs():
            train(j, loss=lambda lr: next(losses), val=lambda: float("-inf"))
        fake.join()
        steps = [m["loss"] for m in fake.received if m["type"] == "step"]
        evals = [m["loss"] for m in fake.received if m["type"] == "eval"]
        self.assertEqual(steps, [None, None, 0.5])
        self.assertEqual(evals, [None, None])
        # Strict JSON: no NaN or Infinity tokens on the wire.
        self.assertFalse(any("NaN" in l or "Infinity" in l for l in fake.lines))

    def test_unknown_types_and_fields_are_skipped(self):
        def script(peer):
            peer.send({"type": "progress", "pct": 5})
            extra = job(until=2, evaluate_at=[0], gpu="A100")
            extra["knobs"] = {"dropout": 0.1}
            peer.send(extra)
            peer.recv()
            peer.send({"type": "hint", "text": "mid-job, skipped by the poll"})
            peer.recv_until("done")
            peer.send({"type": "farewell"})
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        traces = [train(j) for j in worker.jobs()]
        fake.join()
        self.assertEqual(len(traces), 1)
        self.assertEqual([t[0] for t in traces[0]], ["eval", "step", "step"])

    def test_a_new_job_while_one_is_held_ends_it_and_starts_the_next(self):
        def script(peer):
            peer.send(job(number=1, until=1, evaluate_at=[0]))
            peer.recv_until("done")
            peer.send({"type": "stop", "job": 1})  # for a job already done: skipped
            peer.send(job(number=2, until=1, evaluate_at=[0]))
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        ids = []
        for j in worker.jobs():
            ids.append(j.id)
            train(j)
        fake.join()
        self.assertEqual(ids, [1, 2])

    def test_a_loop_that_leaves_a_job_early_says_done_at_once(self):
        def script(peer):
            peer.send(job(until=5, evaluate_at=[]))
            self.assertEqual(peer.recv_until("done")[-1]["steps"], 1)
            peer.send({"type": "shutdown"})

        fake = Fake(script)
        worker = connect(fake)
        for j in worker.jobs():
            j.next_lr()
            j.step(1.0)
        fake.join()

    def test_lrfind_gone_mid_job_ends_the_job_and_the_jobs(self):
        def script(peer):
            peer.send(job(until=10**9, evaluate_at=[]))
            peer.recv()

        fake = Fake(script)
        worker = connect(fake)
        steps = 0
        for j in worker.jobs():
            while j.next_lr() is not None:
                j.step(1.0)
                steps += 1
                self.assertLess(steps, 10**6)
        fake.join()

    def test_error_reports_a_fault(self):
        def script(peer):
            peer.send(job())
            self.assertEqual(peer.recv_until("error")[-1], {"type": "error", "message": "CUDA out of memory"})

        fake = Fake(script)
        worker = connect(fake, validation=True)
        for j in worker.jobs():
            worker.error("CUDA out of memory")
            break
        fake.join()
        worker.close()

    def test_a_line_that_is_no_message_is_a_protocol_error(self):
        def script(peer):
            peer.send("this is not json")

        fake = Fake(script)
        worker = connect(fake)
        with self.assertRaises(lrfind_client.ProtocolError):
            list(worker.jobs())
        fake.join()
        worker.close()


class QueueShare:
    """Rank 0 puts what it shares in one queue per follower; the followers read it."""

    def __init__(self, leader, queues, mine=None):
        self.leader = leader
        self.queues = queues
        self.mine = mine

    def share(self, obj):
        if self.leader:
            for q in self.queues:
                q.put(obj)
            return obj
        return self.mine.get(timeout=WAIT)


class Distributed(unittest.TestCase):
    def test_the_other_ranks_run_the_same_jobs_lrs_and_stops(self):
        training, stopped = threading.Event(), threading.Event()

        def script(peer):
            peer.send(job(number=1, until=2, evaluate_at=[0, 2]))
            peer.recv_until("done")
            peer.send({"type": "continue", "job": 1, "until": 3, "evaluate_at": [0, 2, 3]})
            peer.recv_until("done")
            peer.send(job(number=2, lr={"follow": 0.5}, until=3, evaluate_at=[0, 1, 3]))
            peer.recv()
            peer.send({"type": "lr", "job": 2, "lr": 0.5})
            peer.recv_until("eval")
            peer.send({"type": "lr", "job": 2, "lr": 0.05})
            peer.recv_until("eval")
            peer.send({"type": "lr", "job": 2, "lr": 0.005})
            peer.recv_until("done")
            peer.send(job(number=3, kind="range", lr={"table": [1, 2, 3, 4]}, until=4, evaluate_at=[]))
            training.wait(WAIT)
            peer.send({"type": "stop", "job": 3})
            stopped.set()
            peer.recv_until("done")
            peer.send({"type": "shutdown"})

        def loss(lr):
            if lr == 2:
                training.set()
                stopped.wait(WAIT)
                time.sleep(0.05)
            return lr

        fake = Fake(script)
        inbox = queue.Queue()
        leader = connect(fake, validation=True, distributed=QueueShare(True, [inbox]))
        follower = lrfind_client.connect(distributed=QueueShare(False, [], inbox))
        self.assertFalse(follower.leader)
        results = {}

        def follow():
            results["follower"] = [(j.id, train(j)) for j in follower.jobs()]

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        results["leader"] = [(j.id, train(j, loss=loss)) for j in leader.jobs()]
        thread.join(WAIT)
        fake.join()
        self.assertEqual(results["follower"], results["leader"])
        lrs = [t[2] for _, trace in results["leader"] for t in trace if t[0] == "step"]
        self.assertEqual(lrs, [0.1, 0.1, 0.1, 0.5, 0.05, 0.05, 1, 2])
        # Only the leader spoke: one hello.
        self.assertEqual(sum(m["type"] == "hello" for m in fake.received), 1)


class Helpers(unittest.TestCase):
    class Optimizer:
        def __init__(self):
            self.param_groups = [
                {"lr": 1e-3, "betas": (0.9, 0.999), "weight_decay": 0.01},
                {"lr": 1e-4, "betas": (0.9, 0.999), "weight_decay": 0.0},
                {"lr": 1e-5, "momentum": 0.9, "weight_decay": 0.02},
            ]

    def test_param_groups_keep_their_ratios_to_the_base_lr(self):
        opt = self.Optimizer()
        groups = lrfind_client.ParamGroups(opt)
        groups.set_lr(0.1)
        for got, want in zip([g["lr"] for g in opt.param_groups], [0.1, 0.01, 0.001]):
            self.assertAlmostEqual(got, want, places=15)
        groups.set_weight_decay(0.1)
        self.assertEqual([g["weight_decay"] for g in opt.param_groups], [0.1, 0.0, 0.2])
        groups.set_momentum(0.8)
        self.assertEqual(opt.param_groups[0]["betas"], (0.8, 0.999))
        self.assertEqual(opt.param_groups[2]["momentum"], 0.8)
        explicit = lrfind_client.ParamGroups(opt, ratios=[1, 0.5, 0.25])
        explicit.set_lr(1.0)
        self.assertEqual([g["lr"] for g in opt.param_groups], [1.0, 0.5, 0.25])
        with self.assertRaises(ValueError):
            lrfind_client.ParamGroups(opt, ratios=[1.0])

    def test_scaler_step_tells_a_skipped_update_by_the_lowered_scale(self):
        class Scaler:
            def __init__(self, finite):
                self.scale, self.finite, self.stepped = 1024.0, finite, False

            def get_scale(self):
                return self.scale

            def is_enabled(self):
                return True

            def step(self, optimizer):
                self.stepped = self.finite

            def update(self):
                self.scale = self.scale if self.finite else self.scale / 2

        self.assertTrue(lrfind_client.scaler_step(Scaler(True), None))
        self.assertFalse(lrfind_client.scaler_step(Scaler(False), None))
        self.assertEqual(lrfind_client.mean([1, 2, 3]), 2.0)
        self.assertTrue(math.isnan(lrfind_client.mean([1, float("nan")])))

    def test_address_parsing(self):
        self.assertEqual(client_module._address("127.0.0.1:5000"), ("127.0.0.1", 5000))
        self.assertEqual(client_module._address("[::1]:5000"), ("::1", 5000))
        with self.assertRaises(lrfind_client.NotUnderLrfind):
            client_module._address("localhost")


if __name__ == "__main__":
    unittest.main()
