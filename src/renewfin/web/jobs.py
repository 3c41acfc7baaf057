"""Long computations as jobs, each in its own worker process, bounded in number, with
progress and cancellation, so that the page stays responsive while they run.

A job runs one of :data:`renewfin.web.tasks.TASKS` in a process forked from a fork server
that has the engine imported already (``multiprocessing`` ``forkserver``; ``spawn`` where
there is none). It reports progress through two shared integers and leaves its answer in
``result.json`` (or ``error.json``) in a private folder, with any file it writes. At most
``workers`` jobs run at once; the others wait in order, at most ``max_queued`` of them.
Cancelling a running job terminates its process.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from renewfin.web.errors import ApiError

__all__ = ["Job", "JobManager", "work"]

PRELOAD = ["renewfin.web.worker_preload"]
"""Modules the fork server imports once, so that each job starts without importing them."""

ACTIVE = ("queued", "running")
"""States of a job that has not finished."""


@dataclass
class Job:
    """One job and what is known of it."""

    id: str
    kind: str
    payload: dict[str, Any]
    folder: Path
    state: str = "queued"
    """``queued``, ``running``, ``done``, ``failed`` or ``cancelled``."""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    process: BaseProcess | None = None
    counters: Any = None
    """Shared ``[done, total]`` (a ``multiprocessing.Array`` of two longs)."""

    def progress(self) -> tuple[int, int]:
        """Scenarios (or steps) done and in all."""
        if self.counters is None:
            return (1, 1) if self.state == "done" else (0, 0)
        return int(self.counters[0]), int(self.counters[1])

    def status(self) -> dict[str, Any]:
        """The job as the API shows it (without its result)."""
        done, total = self.progress()
        end = self.finished or time.time()
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": done,
            "total": total,
            "fraction": (done / total) if total else (1.0 if self.state == "done" else 0.0),
            "seconds": round(end - (self.started or end), 3),
        }


def _end_with(server: int, every: float = 1.0) -> None:
    """End this process as soon as process ``server`` is gone (killed), so that no job
    outlives the server that started it (a daemon thread that looks once a second)."""

    def watch() -> None:
        while True:
            time.sleep(every)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, but not ours to signal
                pass

    threading.Thread(target=watch, name="renewfin-watch-server", daemon=True).start()


def work(kind: str, payload: dict[str, Any], folder: str, counters: Any, server: int) -> None:
    """The body of a worker process: run the task, leave its answer in ``folder``; end
    early if the process ``server`` ends."""
    from renewfin.allocator import keep_freed_memory
    from renewfin.errors import RenewfinError
    from renewfin.spec.io import atomic_write
    from renewfin.web.errors import error_body, renewfin_error_body
    from renewfin.web.tasks import TASKS

    def progress(done: int, total: int) -> None:
        counters[0], counters[1] = done, total

    _end_with(server)
    keep_freed_memory()  # a Monte Carlo allocates the same chunk arrays again and again
    out = Path(folder)
    try:
        doc, name = TASKS[kind](payload, out, progress), "result.json"
    except RenewfinError as exc:  # a bad spec, or a solve that did not converge
        doc, name = renewfin_error_body(exc), "error.json"
    except Exception as exc:  # a bug: said, never shown as a traceback
        doc = error_body(500, "internal", f"internal error ({type(exc).__name__}: {exc})")
        name = "error.json"
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    atomic_write(out / name, lambda fh: fh.write(text))


def _noop() -> None:
    """A process that does nothing (starts the fork server)."""


def _context() -> Any:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


class JobManager:
    """Runs jobs in at most ``workers`` processes at once, keeping the last ``keep``."""

    def __init__(self, workers: int = 2, max_queued: int = 16, keep: int = 64) -> None:
        self.workers = workers
        self.max_queued = max_queued
        self.keep = keep
        self.jobs: dict[str, Job] = {}
        self.root = Path(tempfile.mkdtemp(prefix="renewfin-jobs-"))
        self._lock = threading.RLock()
        self._ctx: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="renewfin-jobs", daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------------- public

    def submit(self, kind: str, payload: dict[str, Any]) -> Job:
        """Queue a job (started at once when a worker is free).

        Raises
        ------
        ApiError
            429 when ``max_queued`` jobs wait already; 503 after shutdown.
        """
        with self._lock:
            if self._stop.is_set():
                raise ApiError(503, "shutting_down", "the server is stopping")
            waiting = sum(j.state == "queued" for j in self.jobs.values())
            if waiting >= self.max_queued:
                raise ApiError(
                    429, "busy", f"{waiting} jobs are waiting already; try again when one ends"
                )
            job_id = uuid.uuid4().hex
            folder = self.root / job_id
            folder.mkdir()
            job = Job(job_id, kind, payload, folder)
            self.jobs[job_id] = job
            self._forget_old()
            self._step()
            return job

    def get(self, job_id: str) -> Job:
        """The job ``job_id`` (404 when unknown)."""
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no job {job_id!r} (finished jobs are kept a while)")
        return job

    def cancel(self, job_id: str) -> Job:
        """Stop job ``job_id``: a queued job never starts, a running one is terminated."""
        with self._lock:
            job = self.get(job_id)
            if job.state in ACTIVE:
                self._end(job, "cancelled")
            self._step()
            return job

    def prepare(self) -> None:
        """Start the fork server now (it imports the engine once), so that the first job
        does not wait for it."""
        with self._lock:
            if self._ctx is None:
                self._ctx = _context()
        proc = self._ctx.Process(target=_noop, name="renewfin-prepare", daemon=True)
        proc.start()
        proc.join(timeout=120)

    async def wait(self, job: Job, poll: float = 0.05) -> Job:
        """Wait (without blocking the event loop) until ``job`` ends."""
        while job.state in ACTIVE:
            await asyncio.sleep(poll)
        return job

    def shutdown(self) -> None:
        """Terminate every job and remove their folders."""
        self._stop.set()
        with self._lock:
            for job in self.jobs.values():
                if job.state in ACTIVE:
                    self._end(job, "cancelled")
        self._thread.join(timeout=2)
        shutil.rmtree(self.root, ignore_errors=True)

    # --------------------------------------------------------------------- private

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                self._step()

    def _step(self) -> None:
        """Collect finished processes, then start queued jobs while workers are free."""
        for job in list(self.jobs.values()):
            if job.state == "running" and job.process is not None and not job.process.is_alive():
                self._collect(job)
        running = sum(j.state == "running" for j in self.jobs.values())
        for job in list(self.jobs.values()):
            if running >= self.workers or self._stop.is_set():
                break
            if job.state == "queued":
                self._start(job)
                running += 1

    def _start(self, job: Job) -> None:
        if self._ctx is None:
            self._ctx = _context()
        job.counters = self._ctx.Array("q", 2, lock=False)
        job.process = self._ctx.Process(
            target=work,
            args=(job.kind, job.payload, str(job.folder), job.counters, os.getpid()),
            name=f"renewfin-{job.kind}",
            daemon=True,
        )
        job.started = time.time()
        job.state = "running"
        job.process.start()

    def _collect(self, job: Job) -> None:
        for name, state in (("result.json", "done"), ("error.json", "failed")):
            path = job.folder / name
            if path.is_file():
                doc = json.loads(path.read_text(encoding="utf-8"))
                if state == "done":
                    job.result = doc
                else:
                    job.error = doc["error"]
                job.state, job.finished = state, time.time()
                return
        code = job.process.exitcode if job.process is not None else None
        job.error = {
            "status": 500,
            "code": "worker_died",
            "message": f"the worker process ended without an answer (exit code {code})",
            "problems": [],
        }
        job.state, job.finished = "failed", time.time()

    def _end(self, job: Job, state: str) -> None:
        proc = job.process
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=2)
        job.state, job.finished = state, time.time()

    def _forget_old(self) -> None:
        done = [j for j in self.jobs.values() if j.state not in ACTIVE]
        for job in sorted(done, key=lambda j: j.created)[: max(0, len(self.jobs) - self.keep)]:
            del self.jobs[job.id]
            shutil.rmtree(job.folder, ignore_errors=True)
