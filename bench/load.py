"""A small closed-loop HTTP load generator: C concurrent clients, each sending its next
request when the previous answer arrives; latencies per request; loopback only."""

import asyncio
import itertools
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


async def run_load(
    url: str,
    bodies: Sequence[bytes],
    *,
    headers: dict[str, str],
    concurrency: int,
    requests: int,
    warmup: int = 100,
) -> LoadResult:
    """POST ``requests`` bodies (cycling through ``bodies``) with ``concurrency`` clients."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json", **headers}
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        for body in itertools.islice(itertools.cycle(bodies), warmup):
            (await client.post(url, content=body, headers=headers)).raise_for_status()
        cycle = itertools.cycle(bodies)
        remaining = iter(range(requests))
        latencies: list[float] = []
        failures = 0

        async def worker() -> None:
            nonlocal failures
            for _ in remaining:
                body = next(cycle)
                started = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or b'"errors"' in response.content:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(requests, elapsed, latencies, failures)
