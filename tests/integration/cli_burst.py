"""Run many ``python -m tradegame`` command lines at the same instant, each in its own process.

Starting an interpreter and importing tradegame costs about 1.5 s of CPU per process, too much
for 160 concurrent imports in a test on two cores. This launcher imports tradegame once, then
forks one child per command line: each child is a separate OS process (its own descriptors and
file locks) that runs ``python -m tradegame``'s own code (``runpy`` on the package) with its
argv. The children of a burst wait on a pipe and start together when the parent closes it.

Usage: ``python cli_burst.py SPEC.json``, where the spec is a list of bursts, each a list of
argv lists. Prints JSON: per burst, per command, ``[exit code, stdout, stderr]``.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import tempfile
import traceback
from pathlib import Path

from tradegame.cli import app
from tradegame.data.calendars import sessions


def _warm_up() -> None:
    """What every child would otherwise do first, once: the command line's lazy imports, the calendar."""
    with open(os.devnull, "w") as sink:
        saved, sys.stdout = sys.stdout, sink
        try:
            app(["data", "import", "--help"], standalone_mode=False)
        finally:
            sys.stdout = saved
    sessions("XNYS", "2020-01-01", "2020-12-31")


def _child(argv: list[str], out: Path, err: Path, gate: int) -> None:
    code = 1
    try:
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        os.read(gate, 1)  # end of file when the parent closes the pipe: every child starts now
        sys.argv = ["tradegame", *argv]
        try:
            runpy.run_module("tradegame", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def burst(commands: list[list[str]], scratch: Path) -> list[tuple[int, str, str]]:
    """Run ``commands`` in as many processes, all released at once; their exit codes and outputs."""
    read_end, write_end = os.pipe()
    children = []
    sys.stdout.flush()
    sys.stderr.flush()
    for index, argv in enumerate(commands):
        out, err = scratch / f"{index}.out", scratch / f"{index}.err"
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            _child(argv, out, err, read_end)
        children.append((pid, out, err))
    os.close(read_end)
    os.close(write_end)  # go
    results = []
    for pid, out, err in children:
        _, status = os.waitpid(pid, 0)
        results.append((os.waitstatus_to_exitcode(status), out.read_text(), err.read_text()))
    return results


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    _warm_up()
    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps([burst(commands, Path(scratch)) for commands in spec]))


if __name__ == "__main__":
    main()
