"""The one line a guard reads after recording passages: what was recorded, what was refused.

A refusal comes first and makes the line a refusal (shown in red), so a guard who tapped
"Record all permitted" never reads a refused passage as a success.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from muster.access.passages import PassageOutcome


@dataclass
class PassageTally:
    """The outcomes of one tap: names recorded, found already recorded, and refusals."""

    recorded: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    directions: set[str] = field(default_factory=set)

    def count(self, name: str, outcome: PassageOutcome) -> None:
        """Count one person's outcome."""
        if outcome.passage is None:
            self.refuse(name, outcome.refusal)
            return
        self.directions.add(outcome.passage.direction)
        (self.recorded if outcome.created else self.again).append(name)

    def refuse(self, name: str, reason: str) -> None:
        """Count a passage that was not recorded, with why."""
        self.refusals.append(f"{name}: {reason}" if name else reason)

    def notice(self, portal: str) -> str:
        """The line to show: refusals first, then what was recorded."""
        parts = []
        if self.refusals:
            parts.append("Passage refused: " + "; ".join(self.refusals) + ".")
        where = f"{'/'.join(sorted(self.directions))} at {portal}"
        if self.recorded:
            label = "Passage recorded" if len(self.recorded) == 1 else "Passages recorded"
            parts.append(f"{label}: {', '.join(self.recorded)}, {where}.")
        if self.again:
            parts.append(f"Passage was already recorded: {', '.join(self.again)}, {where}.")
        return " ".join(parts) or "Nothing to record."
