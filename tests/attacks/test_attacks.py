"""The attacker's state machine, bounded for CI (docs/policy.md: the long run)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from attacks.machine_access import StationAttack
from attacks.world import World

# MUSTER_ATTACK_EXAMPLES / MUSTER_ATTACK_STEPS raise the bounds for a long run.
EXAMPLES = int(os.environ.get("MUSTER_ATTACK_EXAMPLES", "4"))
STEPS = int(os.environ.get("MUSTER_ATTACK_STEPS", "20"))


class TestAttacks:
    """No sequence of acts by any role, on any path, breaks a promise."""

    def test_promises_hold(self, world: World) -> None:
        StationAttack.world = world
        run_state_machine_as_test(
            StationAttack,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=os.environ.get("MUSTER_ATTACK_RANDOM") is None,
            ),
        )


class TestVisitorRoles:
    """P6: a visiting party's person holds no station role."""

    def test_visitor_account_refused_a_station_role(self, world: World) -> None:
        body = {"name": "Vera", "affiliation": "visitor", "party_id": world.ids["vessel"]}
        vera = world.admin.post("/api/v1/persons", json=body).json()
        account = {
            "username": "vera",
            "display_name": "Vera",
            "roles": ["commander"],
            "password": "correct horse battery",
            "person_id": vera["id"],
        }
        assert world.admin.post("/api/v1/accounts", json=account).status_code in (403, 409, 422)
