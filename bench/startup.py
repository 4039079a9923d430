"""How fast the ``muster`` command answers; prints JSON.

Runs each command ``--runs`` times as a new process, as an operator at a post would, and
reports the median and the spread in milliseconds:

- ``python``: ``python -c pass``, the floor of any Python process on this machine;
- ``help``: ``muster --help`` (target: under 300 ms);
- ``hold_list``: ``muster hold list`` on a fresh SQLite database, the whole command, so an
  upper bound of the time to its first database statement (target: under 500 ms).

``bytecode`` runs use the compiled bytecode that ``uv sync --compile-bytecode`` leaves for
the dependencies and that this script writes for the project's own sources
(``compileall``, as ``.ci/run`` does); ``source`` runs point ``PYTHONPYCACHEPREFIX`` at an
empty folder, so every module compiles from source as on a machine that sets
``PYTHONDONTWRITEBYTECODE=1`` and installed without bytecode. ``top_imports`` lists the
slowest imports of each command (``-X importtime``, cumulative microseconds). The load
average is printed before and after: this machine is shared.

Usage:
    uv run python bench/startup.py [--runs 10] [--no-source]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
MUSTER = [sys.executable, "-c", "from muster.cli.main import main; main()"]


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


def timed(argv: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """Median, fastest and slowest wall time of ``runs`` runs, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[3:]) or argv}: exit {done.returncode}\n{done.stderr}")
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "runs": runs,
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
    args = parser.parse_args()

    compileall.compile_dir(SRC, quiet=1)
    result: dict[str, Any] = {"load_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "MUSTER_DATABASE_URL": prepare_database(Path(folder))}
        env.pop("MUSTER_USER", None)
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "help": [*MUSTER, "--help"],
            "hold_list": [*MUSTER, "hold", "list"],
        }
        modes = {"bytecode": env}
        if not args.no_source:
            empty = Path(folder) / "no-bytecode"
            empty.mkdir()
            modes["source"] = {**env, "PYTHONPYCACHEPREFIX": str(empty)}
        for mode, mode_env in modes.items():
            result[mode] = {
                name: timed(argv, mode_env, args.runs) for name, argv in commands.items()
            }
        result["top_imports"] = {
            name: top_imports(argv, env) for name, argv in commands.items() if name != "python"
        }
    result["targets_ms"] = {"help": 300, "hold_list": 500}
    result["load_after"] = round(os.getloadavg()[0], 2)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
