"""Where block tasks run: this process's threads, local processes or a dask cluster.

Every executor has one method, :meth:`Executor.run`: run a picklable function on each
task and yield the results in this process as the tasks finish. Whoever iterates (the
driver) reports progress, so a bar counts each finished task once wherever it ran.

Example:
    >>> list(ThreadExecutor().run(abs, [-1, -2]))
    [1, 2]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from seismic_salt.errors import DataError, SeismicSaltError

__all__ = [
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "ThreadExecutor",
    "check_executor_options",
    "check_scheduler_address",
    "dask_client",
    "open_executor",
]

SCHEDULER_ADDRESS = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}|inproc://\S+"
)
"""A ``dask.distributed`` scheduler address: ``[protocol://]host:port``."""

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs tasks somewhere and hands their results back to the caller."""

    def run(self, function: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``function(task)`` for every task, in the order they finish.

        Raises:
            Exception: The first error a task raised; tasks not started are cancelled.
        """
        ...


class ThreadExecutor:
    """Run tasks on threads of this process.

    Args:
        threads: Tasks run at a time. With one (the default) they run in the calling
            thread, one after the other, so an interrupt stops the current task at once.

    Raises:
        DataError: If ``threads`` < 1.
    """

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise DataError(f"threads must be at least 1, got {threads}")
        self.threads = threads

    def run(self, function: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        if self.threads == 1:
            for task in tasks:
                yield function(task)
            return
        with ThreadPoolExecutor(self.threads) as pool:
            yield from _as_finished(pool, function, tasks)


class ProcessExecutor:
    """Run tasks on a pool of fresh local processes (started with ``spawn``).

    Each process opens the source and loads the model once, for all the tasks it runs.

    Args:
        processes: Number of worker processes.

    Raises:
        DataError: If ``processes`` < 1.
    """

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise DataError(f"processes must be at least 1, got {processes}")
        self.processes = processes

    def run(self, function: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.processes, mp_context=context) as pool:
            yield from _as_finished(pool, function, tasks)


def _as_finished(pool: Any, function: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
    """Submit every task to a ``concurrent.futures`` pool; yield results as they finish."""
    pending: set[Future] = {pool.submit(function, task) for task in tasks}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


class DaskExecutor:
    """Run tasks on a ``dask.distributed`` cluster through a connected client.

    The workers must see the paths the tasks name (source, model, store).

    Args:
        client: A ``distributed.Client``.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(self, function: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        from distributed import as_completed

        futures = self.client.map(function, list(tasks), pure=False)
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """Connect to ``scheduler``, or start (and stop) a local cluster of ``workers`` processes.

    Args:
        scheduler: Address of a running scheduler (``"tcp://host:8786"``).
        workers: Single-threaded worker processes of a local cluster, when no address.

    Raises:
        SeismicSaltError: If the scheduler cannot be reached.
        DataError: If ``workers`` < 1.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise SeismicSaltError(
                f"cannot reach the dask scheduler at {scheduler}: {err}; start one with "
                "`dask scheduler`, or run without a scheduler"
            ) from err
        with client:
            yield client
        return
    if workers is None or workers < 1:
        raise DataError(f"workers must be at least 1, got {workers}")
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def check_executor_options(
    scheduler: str | None = None, workers: int | None = None, executor: Executor | None = None
) -> None:
    """Refuse a run that names more than one place to run its tasks.

    Raises:
        DataError: If more than one of the three is given, or the address is malformed.
    """
    if sum(option is not None for option in (scheduler, workers, executor)) > 1:
        raise DataError(
            "pass one of a scheduler address, a number of workers or an executor, not several"
        )
    if scheduler is not None:
        check_scheduler_address(scheduler)


def check_scheduler_address(address: str) -> str:
    """Return a scheduler address after checking its form (nothing is contacted).

    Raises:
        DataError: It is not ``[protocol://]host:port`` (e.g. ``tcp://10.0.0.5:8786``).
    """
    if not isinstance(address, str) or not SCHEDULER_ADDRESS.fullmatch(address):
        raise DataError(
            f"scheduler address {address!r} is not [protocol://]host:port, e.g. "
            "tcp://10.0.0.5:8786 (the address `dask scheduler` prints)"
        )
    return address


@contextmanager
def open_executor(
    scheduler: str | None = None, workers: int | None = None, executor: Executor | None = None
) -> Iterator[Executor]:
    """Yield the executor a run asked for: given, on a cluster, or this process.

    Args:
        scheduler: Address of a ``dask.distributed`` scheduler to run on.
        workers: Start a local cluster of this many single-threaded processes.
        executor: An executor to use as it is.

    Raises:
        DataError: If more than one of them is given, or ``workers`` < 1.
        SeismicSaltError: If the scheduler cannot be reached.
    """
    check_executor_options(scheduler, workers, executor)
    if executor is not None:
        yield executor
    elif scheduler is None and workers is None:
        yield ThreadExecutor()
    else:
        with dask_client(scheduler, workers) as client:
            yield DaskExecutor(client)
