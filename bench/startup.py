"""How fast the ``muster`` command answers; prints JSON.

Runs each command ``--runs`` times as a new process, as an operator at a post would, and
reports the median and the spread in milliseconds:

- ``python``: ``python -c pass``, the floor of any Python process on this machine;
- ``help``: ``muster --help`` (target: under 300 ms);
- ``hold_list``: ``muster hold list`` on a fresh SQLite database, the whole command;
- ``hold_list_first_statement``: the same command, from spawn to the moment its first SQL
  statement goes to the database (target: under 500 ms), taken by an engine event the
  script adds to the command's process.

Each figure is wall time (``median_ms``, ``min_ms``, ``max_ms``) and the CPU time the process
used (``cpu_median_ms``, user and system; up to the first statement for that command): on a
shared machine the wall time grows with the load, the CPU time much less, so the CPU figure
is the one to compare between runs.

``bytecode`` runs use the compiled bytecode that ``uv sync --compile-bytecode`` leaves for
the dependencies and that this script writes for the project's own sources
(``compileall``, as ``.ci/run`` does); ``source`` runs point ``PYTHONPYCACHEPREFIX`` at an
empty folder, so every module compiles from source as on a machine that sets
``PYTHONDONTWRITEBYTECODE=1`` and installed without bytecode. ``top_imports`` lists the
slowest imports of each command (``-X importtime``, cumulative microseconds). The load
average is printed before and after: this machine is shared.

Usage:
    uv run python bench/startup.py [--runs 10] [--no-source] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
MUSTER = [sys.executable, "-c", "from muster.cli.main import main; main()"]
# The command again, printing the wall clock (epoch seconds) at its first SQL statement.
FIRST_STATEMENT_MARK = "first-statement-at "
MUSTER_FIRST_STATEMENT = [
    sys.executable,
    "-c",
    "import sys, time\n"
    "from sqlalchemy import event\n"
    "from sqlalchemy.engine import Engine\n"
    "seen = []\n"
    "@event.listens_for(Engine, 'before_cursor_execute')\n"
    "def first(*args):\n"
    "    if not seen:\n"
    "        seen.append(1)\n"
    "        now = (time.time(), time.process_time())\n"
    f"        sys.stderr.write('{FIRST_STATEMENT_MARK}%r %r\\n' % now)\n"
    "from muster.cli.main import main\n"
    "main()",
]


def prepare_database(folder: Path) -> str:
    """A migrated SQLite database with the local administrator's account."""
    from muster.db import Database
    from muster.web.server import prepare_database as prepare

    url = f"sqlite:///{folder / 'startup.db'}"
    db = Database(url)
    try:
        prepare(db)
    finally:
        db.dispose()
    return url


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _first_statement_at(stderr: str) -> tuple[float, float]:
    """When the command sent its first SQL statement (epoch seconds) and the CPU seconds it
    had used by then."""
    for line in stderr.splitlines():
        if line.startswith(FIRST_STATEMENT_MARK):
            wall, cpu = line.removeprefix(FIRST_STATEMENT_MARK).split()
            return float(wall), float(cpu)
    raise SystemExit(f"the command sent no SQL statement:\n{stderr}")


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU time of one run in milliseconds; both up to the first SQL statement for
    ``MUSTER_FIRST_STATEMENT``."""
    cpu_before = _children_cpu()
    began_epoch, start = time.time(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    cpu = (_children_cpu() - cpu_before) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:]) or argv}: exit {done.returncode}\n{done.stderr}")
    if argv[2] == MUSTER_FIRST_STATEMENT[2]:
        at, cpu_seconds = _first_statement_at(done.stderr)
        elapsed, cpu = at - began_epoch, cpu_seconds * 1000
    return elapsed * 1000, cpu


def summary(samples: list[tuple[float, float]]) -> dict[str, Any]:
    """Median, fastest and slowest wall time, and the median CPU time, in milliseconds."""
    wall = [w for w, _ in samples]
    return {
        "median_ms": round(statistics.median(wall), 1),
        "min_ms": round(min(wall), 1),
        "max_ms": round(max(wall), 1),
        "cpu_median_ms": round(statistics.median(c for _, c in samples), 1),
        "runs": len(samples),
    }


def top_imports(argv: list[str], env: dict[str, str], count: int = 8) -> list[dict[str, Any]]:
    """The slowest top-level imports of one run, by cumulative time."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        if not name[1:].startswith(" "):  # top level only: nested imports are inside these
            rows.append({"module": name.strip(), "cumulative_us": int(cumulative_us)})
    rows.sort(key=lambda row: -row["cumulative_us"])
    return rows[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    parser.add_argument(
        "--no-source", action="store_true", help="skip the runs without bytecode (slow)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="the src/ folder of another checkout (e.g. git archive main src): its runs "
        "alternate with this one's, and the ratios are printed",
    )
    args = parser.parse_args()

    compileall.compile_dir(SRC, quiet=1)
    if args.baseline:
        compileall.compile_dir(args.baseline, quiet=1)
    result: dict[str, Any] = {"load_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "MUSTER_DATABASE_URL": prepare_database(Path(folder))}
        env.pop("MUSTER_USER", None)
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "help": [*MUSTER, "--help"],
            "hold_list": [*MUSTER, "hold", "list"],
            "hold_list_first_statement": [*MUSTER_FIRST_STATEMENT, "hold", "list"],
        }
        modes = {"bytecode": env}
        if args.baseline:
            modes["baseline"] = {**env, "PYTHONPATH": str(args.baseline.resolve())}
        if not args.no_source:
            empty = Path(folder) / "no-bytecode"
            empty.mkdir()
            modes["source"] = {**env, "PYTHONPYCACHEPREFIX": str(empty)}
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {
            mode: {name: [] for name in commands} for mode in modes
        }
        for _ in range(args.runs):  # modes alternate, so a change of load hits each alike
            for mode, mode_env in modes.items():
                for name, argv in commands.items():
                    samples[mode][name].append(run_once(argv, mode_env))
        for mode, by_command in samples.items():
            result[mode] = {name: summary(runs) for name, runs in by_command.items()}
        if args.baseline:
            result["ratio_to_baseline"] = {
                name: {
                    key: round(result["bytecode"][name][key] / result["baseline"][name][key], 2)
                    for key in ("median_ms", "cpu_median_ms")
                }
                for name in commands
            }
        result["top_imports"] = {
            name: top_imports(argv, env)
            for name, argv in commands.items()
            if name in ("help", "hold_list")
        }
    result["targets_ms"] = {"help": 300, "hold_list_first_statement": 500}
    result["load_after"] = round(os.getloadavg()[0], 2)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
