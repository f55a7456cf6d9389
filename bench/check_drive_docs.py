"""Runs the worker scripts of docs/drive.md under `lrfind drive`, as a user who copies them would.

Every ```python block of docs/drive.md is parsed (a fragment must at least be valid Python).
A block preceded by a marker

    <!-- check NAME.py: lrfind drive OPTIONS -- COMMAND -->

is a complete script: it is written as NAME.py into a fresh temporary folder and the marker's
command runs there, with `lrfind` the binary under test, `python` and `torchrun` those of the
venv, and lrfind_client importable from clients/python. The run must exit 0 and its --json report
must hold a suggested LR. The first block that imports torch must be such a script (the issue's
promise: a complete worker a user can copy and run as it stands).

    bench/.venv/bin/python bench/check_drive_docs.py [--lrfind target/release/lrfind] [--only NAME]

Needs bench/requirements.txt and bench/requirements-drive.txt in the venv, and a built lrfind.
"""

import argparse
import ast
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"<!--\s*check\s+(\S+\.py):\s*(.*?)\s*-->")


def blocks(markdown):
    """(marker or None, code, line) of every ```python block."""
    lines = markdown.split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            j = start
            while lines[j].strip() != "```":
                j += 1
            before = next((l for l in reversed(lines[:i]) if l.strip()), "")
            m = MARKER.match(before.strip())
            found.append((m.groups() if m else None, "\n".join(lines[start:j]) + "\n", start + 1))
            i = j
        i += 1
    return found


def run(name, command, code, lrfind, venv_bin, timeout):
    with tempfile.TemporaryDirectory(prefix="drive-docs-") as folder:
        with open(os.path.join(folder, name), "w") as f:
            f.write(code)
        words = shlex.split(command)
        if words[:2] != ["lrfind", "drive"] or "--" not in words:
            raise SystemExit("%s: the marker's command must be `lrfind drive ... -- ...`" % name)
        cut = words.index("--")
        report = os.path.join(folder, "report.json")
        argv = [lrfind] + words[1:cut] + ["--no-plot", "--json", report] + words[cut:]
        env = dict(os.environ)
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        env["PYTHONPATH"] = os.path.join(ROOT, "clients", "python")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.setdefault("JAX_PLATFORMS", "cpu")
        clock = time.perf_counter()
        done = subprocess.run(argv, cwd=folder, env=env, timeout=timeout, capture_output=True, text=True)
        seconds = time.perf_counter() - clock
        if done.returncode != 0:
            print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
            raise SystemExit("%s: lrfind drive exited with %d" % (name, done.returncode))
        with open(report) as f:
            result = json.load(f)
        lr = result.get("suggested_lr")
        if not (isinstance(lr, float) and math.isfinite(lr) and lr > 0):
            raise SystemExit("%s: no suggested LR in the report" % name)
        summary = [l for l in done.stdout.splitlines() if l.startswith(("suggested LR", "  cost"))]
        return seconds, lr, result.get("suggested_by"), summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--doc", default=os.path.join(ROOT, "docs", "drive.md"))
    parser.add_argument("--lrfind", default=os.path.join(ROOT, "target", "release", "lrfind"))
    parser.add_argument("--only", action="append", help="run only this script (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    with open(args.doc) as f:
        found = blocks(f.read())
    first_torch = None
    for marker, code, line in found:
        try:
            ast.parse(code)
        except SyntaxError as e:
            raise SystemExit("%s:%d: a python block that does not parse: %s" % (args.doc, line + e.lineno - 1, e.msg))
        if first_torch is None and re.search(r"^\s*(import torch|from torch)", code, re.M):
            first_torch = (marker, line)
    if first_torch is None or first_torch[0] is None:
        raise SystemExit("%s: the first python block that imports torch is not a checked script" % args.doc)
    venv_bin = os.path.dirname(sys.executable)
    print("%d python blocks parse; the first that imports torch (line %d) is %s" % (len(found), first_torch[1], first_torch[0][0]))
    for marker, code, line in found:
        if marker is None or (args.only and marker[0] not in args.only):
            continue
        name, command = marker
        seconds, lr, by, summary = run(name, command, code, args.lrfind, venv_bin, args.timeout)
        print("%-22s %7.1f s  suggested %.3g (%s)  `%s`" % (name, seconds, lr, by, command))
        for s in summary:
            print("    " + s.strip())


if __name__ == "__main__":
    main()
