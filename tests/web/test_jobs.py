"""Jobs (renewfin.web.jobs): at most ``workers`` run at once, each in its own process, the
others wait in order up to ``max_queued``; cancelling a queued job means it never starts;
a job's failure comes back as the JSON error it raised."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from renewfin.spec import load_scenario, load_spec
from renewfin.spec.io import to_data
from renewfin.web.errors import ApiError
from renewfin.web.jobs import Job, JobManager

from .conftest import ROOT

MODEL = ROOT / "models" / "old_community.yaml"
SCENARIO = ROOT / "scenarios" / "old_community.yaml"


@pytest.fixture
def one() -> Iterator[JobManager]:
    manager = JobManager(workers=1, max_queued=1, keep=3)
    yield manager
    manager.shutdown()


def _simulation(n: int) -> dict[str, object]:
    return {
        "name": "p",
        "spec": to_data(load_spec(MODEL)),
        "scenario": to_data(load_scenario(SCENARIO)),
        "n": n,
    }


def _until(job: Job, *states: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while job.state not in states:
        assert time.monotonic() < deadline, job.status()
        time.sleep(0.05)


def test_bounded_in_number_and_queued_in_order(one: JobManager) -> None:
    first = one.submit("simulate", _simulation(1_000_000))
    second = one.submit("simulate", _simulation(100))
    assert first.state == "running" and second.state == "queued"
    with pytest.raises(ApiError) as busy:
        one.submit("simulate", _simulation(100))
    assert busy.value.status == 429
    one.cancel(second.id)
    assert second.state == "cancelled" and second.process is None  # it never started
    one.cancel(first.id)
    assert first.state == "cancelled" and first.process is not None
    assert not first.process.is_alive()
    third = one.submit("simulate", _simulation(100))
    _until(third, "done")
    assert third.result is not None and third.result["document"]["n"] == 100


def test_a_failing_task_reports_its_error(one: JobManager) -> None:
    payload = _simulation(10)
    payload["spec"]["revenues"][0]["unit_price"] = -1  # type: ignore[index]
    job = one.submit("simulate", payload)
    _until(job, "failed")
    assert job.error is not None and job.error["status"] == 422
    assert job.error["problems"][0]["field"] == "revenues[0].unit_price"


def test_only_the_last_jobs_are_kept(one: JobManager) -> None:
    done = []
    for _ in range(5):
        job = one.submit("simulate", _simulation(50))
        _until(job, "done")
        done.append(job)
    assert len(one.jobs) <= 4
    with pytest.raises(ApiError):
        one.get(done[0].id)
    assert not done[0].folder.exists()
    assert one.get(done[-1].id) is done[-1]
