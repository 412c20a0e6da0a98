"""A minimal progress bar for long work, written to stderr.

The library reports progress through :func:`progress`; it draws a bar only when stderr
is a terminal and ``enabled`` is true, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Progress:
    """Counts units of work and redraws a one-line bar on stderr.

    Args:
        total: Units of work expected, or ``None`` when unknown.
        label: Short text drawn before the bar.
        enabled: Draw nothing when false. ``None`` means "only on a terminal".
        unit: Name of one unit of work, e.g. ``"inline"``.
    """

    def __init__(
        self,
        total: int | None,
        label: str = "",
        enabled: bool | None = None,
        unit: str = "it",
    ) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.done = 0
        self.postfix = ""
        stream = sys.stderr
        is_tty = hasattr(stream, "isatty") and stream.isatty()
        self.enabled = is_tty if enabled is None else (enabled and is_tty)
        self._start = time.monotonic()
        self._last_draw = 0.0

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        """Record ``n`` more units done and redraw at most ten times a second."""
        self.done += n
        if postfix is not None:
            self.postfix = postfix
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.1 or self.done == self.total):
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            width = 24
            bar = "#" * int(fraction * width) + "-" * (width - int(fraction * width))
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            text = (
                f"\r{self.label} [{bar}] {self.done}/{self.total} {self.unit} "
                f"{rate:.1f}/s eta {eta:.0f}s {self.postfix}"
            )
        else:
            text = f"\r{self.label} {self.done} {self.unit} {rate:.1f}/s {self.postfix}"
        sys.stderr.write(text[:200].ljust(80))
        sys.stderr.flush()

    def close(self) -> None:
        """Finish the line so later output starts on a new one."""
        if self.enabled:
            self._draw(time.monotonic())
            sys.stderr.write("\n")
            sys.stderr.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    items: Iterable[T],
    total: int | None = None,
    label: str = "",
    enabled: bool | None = None,
    unit: str = "it",
) -> Iterator[T]:
    """Yield ``items`` while drawing a progress bar on stderr (terminal only)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(total, label, enabled, unit) as bar:
        for item in items:
            yield item
            bar.update()
