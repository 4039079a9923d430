"""What finding a policy error's line and column costs; prints JSON.

A draft of the shipped policy (about 40 rules) with one bad token in its last rule is
refused by ``build_engine``, which then locates the error (``muster.policy.locate``: a
binary search over prefixes, each one parsed by Cedar). The baseline is one Cedar parse of
the same text, measured in the same run: ``ratio`` is the whole refusal, location included,
over that one parse. CPU time of this process (``time.process_time``), median of ``--runs``.

Usage:
    uv run python bench/policy_locate.py [--runs 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable

import cedarpy

from muster.errors import Invalid
from muster.policy.engine import PolicyEngine, shipped_policy_text, shipped_schema_text
from muster.policy.locate import tokens


def cpu_ms(action: Callable[[], object], runs: int) -> float:
    """Median CPU milliseconds of ``action`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        action()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    text = (
        shipped_policy_text()
        + '\n@id("bad")\nforbid (principal, action, resource)\nwhen { principal.held == };\n'
    )
    schema = shipped_schema_text()

    def parse_once() -> None:
        with contextlib.suppress(ValueError):
            cedarpy.policies_to_json_str(text)

    def refuse() -> None:
        try:
            PolicyEngine(policy_text=text, schema_text=schema, version="draft")
        except Invalid as exc:
            if not exc.details.get("locations"):
                raise SystemExit(f"no location found: {exc.message}") from exc

    load_before = os.getloadavg()[0]
    baseline = cpu_ms(parse_once, args.runs)
    located = cpu_ms(refuse, args.runs)
    print(
        json.dumps(
            {
                "tokens": len(tokens(text)),
                "runs": args.runs,
                "one_parse_cpu_ms": round(baseline, 2),
                "refusal_with_location_cpu_ms": round(located, 2),
                "ratio": round(located / baseline, 1),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
