"""The one door for operator actions: roles by policy, scoped and bound tokens, fail-closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from muster.errors import Forbidden
from muster.policy.actor import Actor
from muster.policy.authorize import (
    STATION,
    Resource,
    authorize,
    authorize_channel,
    binding_refusal,
    decide_operator,
    is_allowed,
    may_use_channel,
)
from muster.policy.engine import (
    PolicyEngine,
    install_engine,
    shipped_policy_text,
    shipped_schema_text,
)

COMMANDER = Actor(kind="account", id="acc-john", name="John", roles=frozenset({"commander"}))
GUARD = Actor(kind="account", id="acc-gail", name="Gail", roles=frozenset({"guard"}))


@pytest.fixture(autouse=True)
def _shipped_policy() -> Iterator[None]:
    """Every test starts and ends on the shipped policy."""
    install_engine(None)
    yield
    install_engine(None)


class TestRoles:
    """The policy's rules give each action to roles; the refusal names actor and action."""

    def test_the_commander_issues_a_duty_pass_and_a_guard_does_not(self) -> None:
        authorize(COMMANDER, "duty_pass.issue")
        with pytest.raises(Forbidden) as refused:
            authorize(GUARD, "duty_pass.issue")
        assert "Gail may not duty_pass.issue on Station station" in str(refused.value)

    def test_an_unknown_action_is_refused(self) -> None:
        admin = Actor.system("test")
        assert not is_allowed(admin, "station.self-destruct")


class TestScopedToken:
    """A scoped token does only what its scopes name, whatever its account could do."""

    def test_not_scoped(self) -> None:
        token = Actor(
            kind="token",
            id="t",
            name="scoped",
            roles=frozenset({"commander"}),
            scopes=frozenset({"presence.read"}),
        )
        assert is_allowed(token, "presence.read")
        verdict = decide_operator(token, "portal.mode", Resource("Portal", "p"))
        assert not verdict.allowed
        assert verdict.reason == "this API token is not scoped for portal.mode"


class TestPortalBoundToken:
    """A reader's token decides and records only at its own portal."""

    def test_admin_account_bound_token_cannot_change_mode(self) -> None:
        """Even an administrator's token, once bound, cannot change its portal's mode."""
        bound = Actor(kind="token", id="t", name="r", roles=frozenset({"admin"}), portal_id="p")
        with pytest.raises(Forbidden, match=r"may only access\.request and passage\.record"):
            authorize(bound, "portal.mode", Resource("Portal", "p"))


class TestChannelBoundToken:
    """A handset's token does comms only, on its own channels."""

    HANDSET = Actor(
        kind="token",
        id="t1",
        name="handset",
        roles=frozenset({"guard"}),
        channel_ids=frozenset({"c1"}),
    )

    def test_other_channel_refused(self) -> None:
        """Sending on a channel not bound is refused."""
        with pytest.raises(Forbidden, match="bound to other channels"):
            authorize_channel(self.HANDSET, "comms.send", "c2")

    def test_non_comms_action_refused(self) -> None:
        """A handset token cannot request airlock decisions."""
        with pytest.raises(Forbidden, match="only use comms"):
            authorize(self.HANDSET, "access.request", Resource("Portal", "p"))

    def test_filter(self) -> None:
        """may_use_channel says which channels a handset may see."""
        assert may_use_channel(self.HANDSET, "c1")
        assert not may_use_channel(self.HANDSET, "c2")

    def test_a_handset_reports_only_for_a_post(self) -> None:
        """post.report and post.help pass the binding only on a GuardPost (the posts' use
        case then checks that one of its channels reaches the post); post.read never."""
        assert binding_refusal(self.HANDSET, "post.report", Resource("GuardPost", "p")) is None
        assert binding_refusal(self.HANDSET, "post.help", Resource("GuardPost", "p")) is None
        assert binding_refusal(self.HANDSET, "post.report", STATION) is not None
        assert binding_refusal(self.HANDSET, "post.read", STATION) == (
            "this handset token may only use comms"
        )

    def test_a_handset_makes_no_channels(self) -> None:
        with pytest.raises(Forbidden, match="use the console"):
            authorize(self.HANDSET, "comms.channel.manage")


class TestAnotherPolicy:
    """Verdicts follow the policy in force: a newly installed policy decides afresh."""

    def test_a_remembered_verdict_is_not_reused_after_activation(self) -> None:
        assert is_allowed(COMMANDER, "duty_pass.issue")
        rule = (
            'permit (principal, action == Action::"duty_pass.issue", resource)\n'
            'when { principal.roles.contains("commander") || principal.roles.contains("admin") };'
        )
        assert rule in shipped_policy_text()
        text = shipped_policy_text().replace(
            rule,
            'permit (principal, action == Action::"duty_pass.issue", resource)\n'
            'when { principal.roles.contains("admin") };',
        )
        install_engine(
            PolicyEngine(policy_text=text, schema_text=shipped_schema_text(), version="t")
        )
        assert not is_allowed(COMMANDER, "duty_pass.issue")

    def test_an_evaluation_error_fails_closed(self) -> None:
        """A portal without the attributes the schema requires is a deny, with its reason."""
        verdict = decide_operator(COMMANDER, "portal.mode", Resource("Portal", "p"))
        assert not verdict.allowed
        assert verdict.errors
        assert "does not conform to the schema" in verdict.reason
