"""Processes a test starts (`python -m bot run`, an import, a check): none outlives it.

Each one is started in a process group of its own and recorded; when the test ends,
passes or fails or times out, `kill_leftovers` (an autouse fixture in conftest.py) kills
what is still running, with its group. If the test process itself dies (kill -9, Ctrl-C
on a worker), the kernel kills the children too: each is started through a two-line
wrapper that asks for SIGKILL on its parent's death (`PR_SET_PDEATHSIG`) and then becomes
the real command, so the bot itself knows nothing of it.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# Linux: prctl(PR_SET_PDEATHSIG, SIGKILL), then exec the command in the same process.
_DIE_WITH_PARENT = (
    "import ctypes, os, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, 9)\n"
    "os.getppid() == 1 and os._exit(1)\n"  # the parent died before the line above
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)
_started: set[int] = set()  # process group ids (each child leads its own)


def dying_with_parent(args: Sequence[str]) -> list[str]:
    """`args`, started so that the kernel kills it when its parent dies (Linux)."""
    if sys.platform != "linux":
        return list(args)
    return [sys.executable, "-c", _DIE_WITH_PARENT, *args]


async def spawn(args: Sequence[str], *, env: Mapping[str, str], cwd: Path
                ) -> asyncio.subprocess.Process:
    """Start `args` with piped output, in a process group of its own."""
    process = await asyncio.create_subprocess_exec(
        *dying_with_parent(args), cwd=cwd, env=dict(env), start_new_session=True,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _started.add(process.pid)
    return process


def run(args: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float = 60
        ) -> subprocess.CompletedProcess[str]:
    """Run `args` to the end (killed with its group after `timeout`); its output."""
    process = subprocess.Popen(dying_with_parent(args), cwd=cwd, env=dict(env), text=True,
                               start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    _started.add(process.pid)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        out, err = process.communicate()
    finally:
        _started.discard(process.pid)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def start(args: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path
          ) -> subprocess.Popen[bytes]:
    """Start `args` in the background, its output going to `log` (a test that drives a
    browser blocks, so nothing would drain a pipe)."""
    with log.open("wb") as output:
        process = subprocess.Popen(dying_with_parent(args), cwd=cwd, env=dict(env),
                                   start_new_session=True, stdout=output,
                                   stderr=subprocess.STDOUT)
    _started.add(process.pid)
    return process


def kill_leftovers() -> list[int]:
    """Kill every group a test started that still runs; the ids of those that did."""
    killed = [group for group in list(_started) if _kill_group(group)]
    _started.clear()
    return killed


def _kill_group(group: int) -> bool:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


# A test process that ends without its fixtures' teardown (Ctrl-C between tests, an
# exception in pytest itself) still kills what it started.
atexit.register(kill_leftovers)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
