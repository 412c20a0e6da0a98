"""Progress bars of long work, drawn by tqdm in terminals and Jupyter notebooks alike.

The library reports progress through :class:`Progress` (or :func:`progress` around an
iterable), always from the driver: ``segment_to_zarr`` counts the blocks its executor
hands back, whatever process or cluster ran them, and the lazy ``segment`` counts with a
dask callback in the scheduling thread, never inside a task. Bars come from
``tqdm.auto``, so a notebook gets its widget (or tqdm's text bar where ipywidgets is
missing) and a terminal a one-line bar on stderr. A bar is drawn only where someone can
see it: on a terminal or in a notebook, never into a log file or a pipe. Under
``dask.distributed`` the lazy result's tasks run on the cluster: watch them with
``dask.distributed.progress(result.persist())`` or the dashboard.

Diagnostics go to ``logging.getLogger("seismic_salt")`` (the CLI sets its level with
``-q``/``-v``); nothing here prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Progress", "in_notebook", "progress", "visible"]


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where stderr is no terminal)."""
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def visible(enabled: bool | None) -> bool:
    """Whether a bar asked for with ``enabled`` (None: wherever seen) is drawn."""
    if enabled is False:
        return False
    stream = sys.stderr
    return in_notebook() or bool(hasattr(stream, "isatty") and stream.isatty())


class Progress:
    """Counts units of work on a tqdm bar.

    Args:
        total: Units of work expected, or ``None`` when unknown.
        label: Short text drawn before the bar.
        enabled: Draw nothing when false; true or ``None``: draw on a terminal or in a
            notebook only.
        unit: Name of one unit of work, e.g. ``"block"``.
    """

    def __init__(
        self,
        total: int | None,
        label: str = "",
        enabled: bool | None = None,
        unit: str = "it",
    ) -> None:
        from tqdm.auto import tqdm

        self.total = total
        self.label = label
        self.unit = unit
        self.done = 0
        self.postfix = ""
        self.enabled = visible(enabled)
        self._bar: Any = tqdm(
            total=total, desc=label, unit=unit, disable=not self.enabled, file=sys.stderr,
            dynamic_ncols=True, mininterval=0.1,
        )  # fmt: skip

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        """Record ``n`` more units done (tqdm redraws at most ten times a second)."""
        self.done += n
        if postfix is not None:
            self.postfix = postfix
            self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(n)

    def close(self) -> None:
        """Finish the bar so later output starts on a new line."""
        self._bar.close()

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
    """Yield ``items`` while drawing a progress bar (terminal or notebook only)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(total, label, enabled, unit) as bar:
        for item in items:
            yield item
            bar.update()
