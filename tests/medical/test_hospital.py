"""The hospital's beds over the API and the ``muster hospital`` commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from medical.conftest import crew_member, ward_with_beds
from muster.auth.service import create_account
from muster.config import get_settings
from muster.db import Database
from muster.medical.cli import hospital_app
from muster.policy.actor import Actor

MakeClient = Callable[..., TestClient]
SYSTEM = Actor.system("t")


def _states(client: TestClient, **params: str) -> dict[str, str]:
    answer = client.get("/api/v1/medical/beds", params=params)
    assert answer.status_code == 200, answer.text
    return {f"{b['ward']}/{b['label']}": b["state"] for b in answer.json()}


class TestBedsOverTheApi:
    """Beds list with their state; admit, transfer and discharge move patients between them."""

    def test_admit_transfer_discharge(self, db: Database, make_client: MakeClient) -> None:
        """Each step changes the beds' states, and the medic sees who lies where."""
        beds = ward_with_beds(db, "Trauma", ["T1", "T2"])
        aisha = crew_member(db, "Aisha")
        medic = make_client("medic")
        assert _states(medic) == {"Trauma/T1": "available", "Trauma/T2": "available"}
        admitted = medic.post(
            "/api/v1/medical/admissions",
            json={"person_id": aisha, "bed_id": beds["T1"], "condition": "critical"},
        )
        assert admitted.status_code == 201, admitted.text
        listed = medic.get("/api/v1/medical/beds", params={"state": "occupied"}).json()
        assert [(b["label"], b["patient"]) for b in listed] == [("T1", "Aisha")]
        admission = admitted.json()["id"]
        moved = medic.post(
            f"/api/v1/medical/admissions/{admission}/transfer", json={"bed_id": beds["T2"]}
        )
        assert moved.status_code == 200, moved.text
        assert _states(medic) == {"Trauma/T1": "cleaning", "Trauma/T2": "occupied"}
        out = medic.post(
            f"/api/v1/medical/admissions/{admission}/discharge",
            json={"disposition": "to quarters"},
        )
        assert out.status_code == 200, out.text
        assert _states(medic, ward="Trauma") == {"Trauma/T1": "cleaning", "Trauma/T2": "cleaning"}

    def test_occupied_bed_refused(self, db: Database, make_client: MakeClient) -> None:
        """A second patient for an occupied bed gets 409 naming the bed."""
        beds = ward_with_beds(db, "Trauma", ["T1"])
        medic = make_client("medic")
        for name, code in (("Aisha", 201), ("Tariq", 409)):
            answer = medic.post(
                "/api/v1/medical/admissions",
                json={
                    "person_id": crew_member(db, name),
                    "bed_id": beds["T1"],
                    "condition": "fair",
                },
            )
            assert answer.status_code == code, answer.text
        assert "T1 is occupied" in answer.json()["detail"]

    def test_officer_sees_states_not_patients(self, db: Database, make_client: MakeClient) -> None:
        """An officer reads bed states only, and may not admit (403 before any lookup)."""
        beds = ward_with_beds(db, "Trauma", ["T1"])
        make_client("medic").post(
            "/api/v1/medical/admissions",
            json={"person_id": crew_member(db, "Aisha"), "bed_id": beds["T1"], "condition": "fair"},
        )
        officer = make_client("officer")
        listed = officer.get("/api/v1/medical/beds").json()
        assert listed[0]["state"] == "occupied"
        assert "patient" not in listed[0]
        answer = officer.post(
            "/api/v1/medical/admissions",
            json={"person_id": "no-such-person", "bed_id": "no-such-bed", "condition": "fair"},
        )
        assert answer.status_code == 403, answer.text


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database as the CLI's database, the CLI signed in as a medic."""
    monkeypatch.setenv("MUSTER_DATABASE_URL", db.url)
    get_settings.cache_clear()
    with db.session_scope() as s:
        create_account(
            s,
            username="mia",
            display_name="Mia",
            roles=["medic"],
            password="correct horse battery",
            actor=SYSTEM,
        )
    monkeypatch.setenv("MUSTER_USER", "mia")
    monkeypatch.setenv("MUSTER_PASSWORD", "correct horse battery")
    yield db
    get_settings.cache_clear()


class TestHospitalCommands:
    """``muster hospital beds|admit|transfer|discharge`` act through the hospital's use cases."""

    def test_round_trip(self, cli_db: Database) -> None:
        """A patient admitted, moved and discharged; ``beds`` shows each state."""
        ward_with_beds(cli_db, "Trauma", ["T1", "T2"])
        crew_member(cli_db, "Aisha")
        runner = CliRunner()

        def run(*args: str) -> str:
            done = runner.invoke(hospital_app, list(args))
            assert done.exit_code == 0, done.output
            return done.output

        run("admit", "Aisha", "--bed", "Trauma/T1", "--condition", "serious")
        assert "Trauma/T1     occupied    Aisha (serious)" in run("beds")
        run("transfer", "Aisha", "--bed", "Trauma/T2")
        assert "Trauma/T1     cleaning" in run("beds", "--ward", "Trauma")
        run("discharge", "Aisha", "--disposition", "to quarters")
        assert "0 bed(s)." in run("beds", "--state", "occupied")

    def test_discharge_of_someone_not_admitted(self, cli_db: Database) -> None:
        """Discharging a person who is not in hospital fails with a message, not a trace."""
        crew_member(cli_db, "Tariq")
        done = CliRunner().invoke(hospital_app, ["discharge", "Tariq", "--disposition", "home"])
        assert done.exit_code != 0
        assert "not in hospital" in done.output

    def test_officer_may_not_admit(self, cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        """The command acts as its signed-in account: an officer's admission is refused."""
        ward_with_beds(cli_db, "Trauma", ["T1"])
        crew_member(cli_db, "Omar")
        with cli_db.session_scope() as s:
            create_account(
                s,
                username="dom",
                display_name="Dom",
                roles=["officer"],
                password="correct horse battery",
                actor=SYSTEM,
            )
        monkeypatch.setenv("MUSTER_USER", "dom")
        done = CliRunner().invoke(hospital_app, ["admit", "Omar", "--bed", "Trauma/T1"])
        assert done.exit_code == 1
        assert "may not hospital.manage" in done.output
        # Whether Omar is in hospital is not told to an officer either.
        out = CliRunner().invoke(hospital_app, ["discharge", "Omar", "--disposition", "home"])
        assert "may not hospital.manage" in out.output
        assert "not in hospital" not in out.output
