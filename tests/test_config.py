"""Tests for muster.config: environment settings and the refusal of unsafe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from muster.cli.main import app
from muster.config import ConfigError, Mode, Settings, get_settings
from muster.events.signing import generate_key


class TestSettings:
    """Settings come from MUSTER_ variables when asked, never at import."""

    def test_reads_prefixed_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """MUSTER_PORT and MUSTER_MODE are read after a cache clear."""
        monkeypatch.setenv("MUSTER_PORT", "9123")
        monkeypatch.setenv("MUSTER_MODE", "demo")
        get_settings.cache_clear()
        try:
            assert (get_settings().port, get_settings().mode) == (9123, Mode.DEMO)
        finally:
            get_settings.cache_clear()

    def test_import_reads_nothing(self) -> None:
        """Importing the app and CLI with an unusable environment does not fail."""
        env = {**os.environ, "MUSTER_PORT": "not-a-number"}
        code = "import muster.config, muster.db, muster.web.app, muster.events.api, muster.auth.cli"
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
        assert result.returncode == 0, result.stderr.decode()


class TestCheckStartable:
    """Production refuses a default, missing or short secret; dev and demo do not."""

    @pytest.mark.parametrize("secret", ["change-me", "", "short-secret"])
    def test_production_refuses_weak_secret(self, secret: str) -> None:
        """The error names MUSTER_SECRET_KEY."""
        with pytest.raises(ConfigError, match="MUSTER_SECRET_KEY"):
            Settings(mode=Mode.PRODUCTION, secret_key=secret).check_startable()

    def test_production_accepts_strong_secret_and_key(self, tmp_path: Path) -> None:
        """A long random secret and a private checkpoint key pass."""
        key = tmp_path / "checkpoint.key"
        generate_key(key)
        Settings(
            mode=Mode.PRODUCTION, secret_key="x" * 48, checkpoint_key_file=key
        ).check_startable()

    def test_production_refuses_without_checkpoint_key(self) -> None:
        """Without a signing key outside the database, production does not start."""
        with pytest.raises(ConfigError, match="MUSTER_CHECKPOINT_KEY_FILE"):
            Settings(mode=Mode.PRODUCTION, secret_key="x" * 48).check_startable()

    def test_production_refuses_unusable_checkpoint_key(self, tmp_path: Path) -> None:
        """A key file that is missing or readable by others stops the start, saying why."""
        with pytest.raises(ConfigError, match="cannot read the checkpoint key"):
            Settings(
                mode=Mode.PRODUCTION, secret_key="x" * 48, checkpoint_key_file=tmp_path / "none"
            ).check_startable()
        key = tmp_path / "open.key"
        generate_key(key)
        key.chmod(0o644)
        with pytest.raises(ConfigError, match="chmod 600"):
            Settings(
                mode=Mode.PRODUCTION, secret_key="x" * 48, checkpoint_key_file=key
            ).check_startable()

    @pytest.mark.parametrize("mode", [Mode.DEV, Mode.DEMO])
    def test_dev_and_demo_accept_default(self, mode: Mode) -> None:
        """Trial modes run on the default secret."""
        Settings(mode=mode).check_startable()

    def test_serve_refuses_to_start(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: object
    ) -> None:
        """``muster serve`` without a secret exits non-zero saying what to set."""
        monkeypatch.delenv("MUSTER_SECRET_KEY", raising=False)
        monkeypatch.setenv("MUSTER_MODE", "production")
        monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite:///{tmp_path}/never.db")
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["serve"])
        finally:
            get_settings.cache_clear()
        assert result.exit_code != 0
        assert "MUSTER_SECRET_KEY" in result.output
        assert not (tmp_path / "never.db").exists()
