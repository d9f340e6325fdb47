"""Run slow core calls (network, keyring) on a thread pool; results come back as Qt signals.

The rule (as in Picard and Anki): a worker never touches a widget. It calls a plain function
and emits the return value, or the exception, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from .. import integrations
from ..integrations import Status, registry

if TYPE_CHECKING:
    from ..integrations import Attempt, CheckResult

log = logging.getLogger(__name__)


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class Job(QRunnable):
    """One call on the pool. Signals: finished(result), failed(exception)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported on the GUI thread, never lost in a worker
            log.warning("background job failed: %s", type(exc).__name__, exc_info=True)
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


def pool() -> QThreadPool:
    """The app's pool: sized for "test all" (every service at once) plus a keyring call."""
    shared = QThreadPool.globalInstance()
    shared.setMaxThreadCount(max(shared.maxThreadCount(), len(registry.SERVICE_IDS) + 2))
    return shared


_in_flight: set[_Signals] = set()  # keeps each job's signal object alive until its answer is delivered


def submit(fn: Callable[[], Any], on_finished: Callable[[Any], None],
           on_failed: Callable[[Exception], None] | None = None, *, context: QObject | None = None) -> Job:
    """Run fn() on the pool and call on_finished(result) (or on_failed(exc)) on the GUI thread.

    With `context` (usually the widget that asked), the answer is dropped if that object is
    destroyed before it arrives.
    """
    job = Job(fn)
    signals = job.signals
    _in_flight.add(signals)
    alive = [True]
    if context is not None:
        context.destroyed.connect(lambda *_: alive.__setitem__(0, False))

    def deliver(callback: Callable[[Any], None] | None, value: Any) -> None:
        _in_flight.discard(signals)
        if callback is not None and alive[0]:
            callback(value)

    queued = Qt.ConnectionType.QueuedConnection
    signals.finished.connect(lambda result: deliver(on_finished, result), type=queued)
    signals.failed.connect(lambda exc: deliver(on_failed, exc), type=queued)
    pool().start(job)
    return job


class LiveTest(QObject):
    """One cancellable live call of a service (a test, an activation, a list). Signals: finished(CheckResult).

    `call` receives the `Attempt` and runs on the pool. `cancel()` ends the network call at once
    (the attempt shuts its sockets); the CANCELLED result that then arrives is usually ignored.
    """

    finished = Signal(object)

    def __init__(self, service_id: str, call: Callable[[Attempt], CheckResult], *, timeout: float,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.attempt = integrations.Attempt(timeout)
        submit(lambda: call(self.attempt), self.finished.emit, self._crashed, context=self)

    def cancel(self) -> None:
        self.attempt.cancel()

    def _crashed(self, exc: Exception) -> None:  # integrations never raise; this is the last safety net
        self.finished.emit(integrations.CheckResult(self.service_id, Status.BAD_RESPONSE,
                                                    "The test stopped unexpectedly. Please try again.", repr(exc)))
