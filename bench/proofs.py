"""Policy proofs: how long proving every safety property takes; prints JSON.

Times ``prove_policy`` on the shipped policy (every property proved) and on a draft that
weakens the hold rule (one property refuted, with its counterexample found by case
splitting), each ``--repeat`` times after one warm-up. Figures are per whole proof run
(all properties), in milliseconds, with the number of Cedar partial evaluations.

Usage:
    uv run python bench/proofs.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from importlib import metadata
from typing import Any

from muster.access.proofs import prove_policy
from muster.access.proofs_properties import shipped_properties
from muster.policy.engine import shipped_policy_text, shipped_schema_text

WEAKENED = (
    "when { principal.held };",
    'when { principal.held } unless { principal.affiliation == "visitor" };',
)


def measure(policy: str, repeat: int) -> dict[str, Any]:
    """Milliseconds per full proof run, and what it found."""
    schema, properties = shipped_schema_text(), shipped_properties()
    results = prove_policy(policy, schema, properties)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        prove_policy(policy, schema, properties)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "properties": len(results),
        "proved": sum(r.proved for r in results),
        "failed": [r.property_id for r in results if r.blocks_activation],
        "evaluations": sum(r.runs for r in results),
        "ms_p50": round(statistics.median(times), 2),
        "ms_max": round(times[-1], 2),
        "ms_per_evaluation": round(statistics.median(times) / sum(r.runs for r in results), 3),
    }


def main() -> None:
    """Run both measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    shipped = shipped_policy_text()
    print(
        json.dumps(
            {
                "bench": "proofs",
                "cedarpy": metadata.version("cedarpy"),
                "python": platform.python_version(),
                "repeat": args.repeat,
                "shipped_policy": measure(shipped, args.repeat),
                "weakened_hold_rule": measure(shipped.replace(*WEAKENED), args.repeat),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
