"""Errors that carry enough context for a maintainer to act on them."""

from __future__ import annotations


class SourceError(Exception):
    """A raw source file is missing, malformed or holds impossible values.

    The message always names the file and, where it applies, the column and a few
    offending values, plus what to do about it.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        column: str | None = None,
        examples: list | tuple | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.column = column
        self.examples = list(examples or [])[:5]
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [f"{self.path}: {self.problem}"]
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.examples:
            shown = ", ".join(repr(e)[:60] for e in self.examples)
            parts.append(f"examples: {shown}")
        text = "; ".join(parts)
        if self.hint:
            text += f". {self.hint}"
        return text


class BuildError(Exception):
    """The pipeline could not produce a valid set of processed tables."""


class SnapshotError(Exception):
    """The processed snapshot the app serves is missing, incomplete or unreadable."""

    def __init__(self, folder, missing: list[str], detail: str = "") -> None:
        self.folder = str(folder)
        self.missing = list(missing)
        self.detail = detail
        if missing:
            what = f"{self.folder} lacks {', '.join(missing)}"
        else:
            what = f"{self.folder} cannot be read ({detail})"
        super().__init__(what)
