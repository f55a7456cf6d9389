"""A worker that does no work, for bench/drive_overhead.sh: it answers lrfind's range test with a
made-up loss and no training, so that all that is timed is the protocol (the client's step and
poll, the socket, lrfind's reading and its divergence watch).

The loss falls a little each update (so that the curve has a suggestion) and turns NaN at update
N (--nan-at, default 100000), which lrfind reads as a divergence and answers with a stop; the
worker streams on at full speed until it sees that stop. The time from its first update to the
stop is the time lrfind took to read N + 1 steps through the protocol, so N + 1 over it is the
steps per second sustained; it is printed on stderr, with how far ahead of lrfind the worker ran.

    lrfind drive --runs 1 --no-verify --no-plot --steps 300000 --smoothing 7e-5 -- python3 bench/drive_overhead.py --nan-at 30000

With --alone N it times the client by itself instead (N steps to a socket another process drains).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import lrfind_client  # noqa: E402


def alone(n):
    """The client by itself: n steps of a range job written to a socket that a child process
    drains, with the poll for a stop before each; prints steps per second."""
    import socket

    from lrfind_client import client

    mine, theirs = socket.socketpair()
    if os.fork() == 0:
        mine.close()
        while theirs.recv(1 << 20):
            pass
        os._exit(0)
    theirs.close()
    spec = {"job": 1, "kind": "range", "seed": 0, "lr": {"table": [0.1]}, "until": n}
    job = client.Job(client.Worker(client._Conn(mine), 0), spec)
    start = time.perf_counter()
    while job.next_lr() is not None and job.done < n - 1:
        job.step(0.5)
    seconds = time.perf_counter() - start
    mine.close()
    os.wait()
    print("drive_overhead.py --alone: %d steps in %.3f s: %.0f steps/s, %.1f us a step"
          % (n, seconds, n / seconds, seconds / n * 1e6), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nan-at", type=int, default=100_000)
    parser.add_argument("--alone", type=int, metavar="N", help="time N steps of the client by itself, without lrfind")
    args = parser.parse_args()
    if args.alone:
        return alone(args.alone)
    worker = lrfind_client.connect(framework="none", name="drive_overhead.py")
    nan = float("nan")
    for job in worker.jobs():
        n = args.nan_at
        start = None
        while (lr := job.next_lr()) is not None:
            if start is None:
                start = time.perf_counter()
            job.step(nan if job.done == n else 1.0 / (1.0 + 1e-4 * job.done))
        seconds = time.perf_counter() - start
        if job.done >= job.until:
            sys.exit("drive_overhead.py: the worker reached the ramp's end before lrfind's stop came; raise --steps")
        print(
            "drive_overhead.py: %d steps read by lrfind in %.3f s: %.0f steps/s "
            "(the worker ran %d steps ahead)"
            % (n + 1, seconds, (n + 1) / seconds, job.done - n - 1),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
