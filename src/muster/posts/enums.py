"""Vocabulary of post reports."""

from __future__ import annotations

from enum import StrEnum


class PostStatus(StrEnum):
    """A post's situation, from the short fixed list a guard picks from."""

    QUIET = "quiet"
    CROWD_GATHERING = "crowd_gathering"
    STANDOFF = "standoff"
    FORCE_USED = "force_used"
    CASUALTIES = "casualties"
    UNDER_CONTROL = "under_control"
    POST_ABANDONED = "post_abandoned"

    @property
    def words(self) -> str:
        """The status as the board reads it."""
        return STATUS_WORDS[self]

    @property
    def colour(self) -> str:
        """The board's colour for the status: green, amber or red."""
        return STATUS_COLOURS[self]


STATUS_WORDS = {
    PostStatus.QUIET: "All quiet",
    PostStatus.CROWD_GATHERING: "Crowd gathering",
    PostStatus.STANDOFF: "Standoff",
    PostStatus.FORCE_USED: "Force used",
    PostStatus.CASUALTIES: "Casualties",
    PostStatus.UNDER_CONTROL: "Under control",
    PostStatus.POST_ABANDONED: "Post abandoned",
}
STATUS_COLOURS = {
    PostStatus.QUIET: "green",
    PostStatus.CROWD_GATHERING: "amber",
    PostStatus.STANDOFF: "amber",
    PostStatus.FORCE_USED: "red",
    PostStatus.CASUALTIES: "red",
    PostStatus.UNDER_CONTROL: "green",
    PostStatus.POST_ABANDONED: "red",
}
