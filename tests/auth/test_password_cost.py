"""Outside the test suite's own process, passwords are hashed at full cost."""

from __future__ import annotations

import json
import subprocess
import sys

from argon2 import PasswordHasher, extract_parameters


def test_a_station_process_hashes_at_full_cost() -> None:
    """The suite lowers the cost for its own run (tests/conftest.py); Muster itself does not."""
    probe = (
        "import json\n"
        "from muster.auth.service import hash_password\n"
        "print(json.dumps(hash_password('correct horse battery')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    params = extract_parameters(json.loads(done.stdout))
    default = PasswordHasher()
    assert params.type.name == "ID"
    assert params.memory_cost >= default.memory_cost >= 65536
    assert params.time_cost >= default.time_cost >= 3
