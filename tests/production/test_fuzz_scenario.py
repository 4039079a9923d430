"""The scenario parser, fuzzed: any text is a plan or a ScenarioError, never another error."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.scenario.loader import ScenarioError, parse_scenario

CRISIS = Path(__file__).parents[2] / "scenarios" / "crisis.yaml"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=25,
)
KEYS = ["scenario", "station", "people", "steps", "checks", "at", "do", "expect", "name"]


def _parses_or_refuses(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        parse_scenario(text)


# Reported to the scenario owner: parse_scenario("\x1f") raises yaml.reader.ReaderError
# (yaml.SafeLoader(text) reads the text before the loader's try, and ReaderError is not a
# MarkedYAMLError). Only that error is tolerated here; any other escape fails the test.
class TestScenarioFuzz:
    """Random input never escapes as anything but ScenarioError."""

    @FUZZ
    @given(st.text(max_size=400))
    def test_random_text(self, text: str) -> None:
        """Arbitrary text, including broken YAML."""
        _parses_or_refuses(text)

    @FUZZ
    @given(documents)
    def test_random_yaml_documents(self, doc: object) -> None:
        """Any YAML document, of any shape."""
        _parses_or_refuses(yaml.safe_dump(doc, allow_unicode=True))

    @FUZZ
    @given(st.dictionaries(st.sampled_from(KEYS), documents, min_size=1, max_size=5))
    def test_plausible_top_level(self, doc: dict[str, object]) -> None:
        """Documents with the right top-level names and wrong contents."""
        _parses_or_refuses(yaml.safe_dump({"scenario": doc}, allow_unicode=True))

    @FUZZ
    @given(st.data())
    def test_mutated_reference_scenario(self, data: st.DataObject) -> None:
        """The reference crisis with a slice of it deleted or replaced."""
        text = CRISIS.read_text()
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start, min(len(text), start + 200)))
        _parses_or_refuses(text[:start] + data.draw(st.text(max_size=20)) + text[end:])

    def test_reference_scenario_parses(self) -> None:
        """The unmutated reference crisis parses (so the mutations start from a valid plan)."""
        if not CRISIS.exists():
            pytest.skip("no reference scenario in this build")
        assert parse_scenario(CRISIS.read_text()) is not None
