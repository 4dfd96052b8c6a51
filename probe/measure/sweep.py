"""The concurrent sweep: many URLs at once, bounded by `network.concurrency`, results as they finish.

All parallelism OONI keeps inside one URL we also apply across URLs: a blocked URL waits on its
timeouts while the others proceed. `concurrency=1` is OONI's one-URL-at-a-time schedule. The runner
starts the URLs that took longest last time first (by_expected_cost).
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def by_expected_cost(items: Sequence[T], key: Callable[[T], str], costs: Mapping[str, float]) -> list[T]:
    """`items` with the most expensive first: by the seconds each took last time (`costs`, by `key`), an
    item never measured counted at the median of those known; ties keep their order.

    A URL that waited on its timeouts last time most likely waits again: started first, its waiting
    overlaps the rest of the sweep instead of making the sweep's tail, so the sweep ends about when its
    slowest URL does.
    """
    known = [costs[key(item)] for item in items if key(item) in costs]
    unknown = statistics.median(known) if known else 0.0
    return sorted(items, key=lambda item: -costs.get(key(item), unknown))


async def sweep(items: Sequence[T], work: Callable[[T], Awaitable[R]], concurrency: int) -> AsyncIterator[R]:
    """Run `work` over `items`, at most `concurrency` at once, yielding results in completion order.

    `work` must not raise for an expected condition; an unexpected exception propagates after the
    results already finished have been yielded.
    """
    queue: asyncio.Queue[tuple[bool, R | BaseException]] = asyncio.Queue()
    gate = asyncio.Semaphore(concurrency)

    async def one(item: T) -> None:
        async with gate:
            try:
                queue.put_nowait((True, await work(item)))
            except Exception as exc:
                queue.put_nowait((False, exc))

    async with asyncio.TaskGroup() as group:
        for item in items:
            group.create_task(one(item))
        for _ in items:
            ok, value = await queue.get()
            if not ok:
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
