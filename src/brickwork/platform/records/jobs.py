"""Background imports: a long file import runs in a worker thread and reports its progress.

The import itself is one transaction (all or nothing), so its progress cannot be written to the
database while it runs (SQLite has a single writer). Progress and results are therefore kept in
this process, for ``RETENTION`` after the job ends; a client polls the process that accepted the
upload. Durable, multi-process job handling belongs to the platform's job area (``brickwork
worker``), which will take these over.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from brickwork.platform.clock import Clock, system_clock
from brickwork.platform.errors import NotFound, PlatformError

RETENTION = timedelta(hours=1)


@dataclass(slots=True)
class Job:
    id: str
    kind: str
    owner: str
    created_at: datetime
    status: str = "queued"
    processed: int = 0
    total: int | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    finished_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "id": self.id,
                "kind": self.kind,
                "status": self.status,
                "processed": self.processed,
                "total": self.total,
                "created_at": self.created_at,
                "finished_at": self.finished_at,
                "result": self.result,
                "error": self.error,
            }


class JobRunner:
    def __init__(self, *, workers: int = 2, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brickwork-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(
        self, kind: str, owner: str, work: Callable[[Callable[[int, int], None]], dict[str, Any]]
    ) -> Job:
        job = Job(id=uuid.uuid4().hex, kind=kind, owner=owner, created_at=self.clock())
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(
                f"there is no job {job_id!r} on this server (jobs are kept for "
                f"{RETENTION} after they end)",
                code="job_not_found",
                zh_cn=f"本服务器上没有后台任务 {job_id}（任务结束后保留 {RETENTION}）",
            )
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _run(self, job: Job, work: Callable[[Callable[[int, int], None]], dict[str, Any]]) -> None:
        def progress(done: int, total: int) -> None:
            with job.lock:
                job.processed, job.total = done, total

        with job.lock:
            job.status = "running"
        try:
            result = work(progress)
            status, error = ("done" if result.get("ok", True) else "failed"), None
        except PlatformError as exc:
            result, status = None, "failed"
            error = {
                "code": exc.code,
                "message": exc.message,
                "errors": [item.as_dict() for item in exc.errors],
            }
        except Exception as exc:  # the job reports; the thread must survive
            result, status = None, "failed"
            error = {"code": "internal_error", "message": type(exc).__name__}
        with job.lock:
            job.status, job.result, job.error = status, result, error
            if job.total is not None:
                job.processed = job.total
            job.finished_at = self.clock()

    def _forget_old(self) -> None:
        limit = self.clock() - RETENTION
        for job_id in [
            j.id for j in self._jobs.values() if j.finished_at is not None and j.finished_at < limit
        ]:
            del self._jobs[job_id]
