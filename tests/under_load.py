"""The test suite on a busy machine: `make test-under-load` (python -m tests.under_load).

Starts CPU hogs (one by default, `--busy-cores N` for more), each spinning a core at
100 %, runs the suite with the remaining arguments passed to pytest, and stops the hogs
however the run ends (each also dies with this process: tests/support/processes.py). A suite
that is green only on an idle machine says something about the machine, not the code;
run this before each submission. Exits with pytest's code.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from tests.support.processes import dying_with_parent

SPIN = "while True: pass"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.under_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--busy-cores", type=int, default=1,
                        help="how many cores the hogs keep busy (default 1)")
    options, pytest_args = parser.parse_known_args(argv)
    hogs = [subprocess.Popen(dying_with_parent([sys.executable, "-c", SPIN]),
                             start_new_session=True)
            for _ in range(max(0, options.busy_cores))]
    print(f"under load: {len(hogs)} core(s) kept busy of {os.cpu_count()}", flush=True)
    started = time.monotonic()
    try:
        code = subprocess.call([sys.executable, "-m", "pytest", *pytest_args])
    finally:
        for hog in hogs:
            os.killpg(hog.pid, signal.SIGKILL)
            hog.wait()
    print(f"under load: pytest exited {code} after {time.monotonic() - started:.0f} s "
          f"with {len(hogs)} core(s) busy", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
