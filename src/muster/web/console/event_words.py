"""Event kinds in the words an operator reads (the live feed, the alarms), not raw kinds."""

from __future__ import annotations

# The alarms of the record, in the words the commander reads.
ALARM_KINDS = {
    "vessels.manoeuvre.detected": "Vessel manoeuvre",
    "posts.help.requested": "Help needed at a post",
    "access.alert": "Airlock alert",
    "comms.escalation.exhausted": "Order unanswered",
    "welfare.alert.raised": "Welfare alert",
    "agreements.alert.raised": "Agreement alert",
    "posts.post.quiet": "Post quiet",
}
# Event kinds whose words are not their last two parts.
KIND_WORDS = {
    **ALARM_KINDS,
    "access.decided": "Airlock decision",
    "access.passage.recorded": "Passage recorded",
    "comms.message.sent": "Order sent",
    "auth.signin": "Signed in",
    "auth.signout": "Signed out",
    "auth.signin.failed": "Sign-in refused",
}


def kind_words(kind: str) -> str:
    """An event kind as words: "access.hold.placed" reads "Hold placed"."""
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    parts = kind.split(".")
    tail = parts[-2:] if len(parts) > 2 else parts
    return " ".join(tail).replace("_", " ").capitalize()
