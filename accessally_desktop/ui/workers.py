"""Run slow core calls (network, keyring) on a thread pool; results come back as Qt signals.

The rule (as in Picard and Anki): a worker never touches a widget. It calls a plain function
and emits the return value, or the exception, which Qt delivers on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from .. import integrations
from ..integrations import Status, registry

if TYPE_CHECKING:
    from ..integrations import Attempt, CheckResult

log = logging.getLogger(__name__)


class _Delivery(QObject):
    """Brings one job's answer to the GUI thread. It lives there, so Qt queues the worker's signal
    to its slots; a plain function as the slot would run on the worker."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, on_finished: Callable[[Any], None], on_failed: Callable[[Exception], None] | None,
                 context: QObject | None) -> None:
        super().__init__()
        self._on_finished, self._on_failed = on_finished, on_failed
        self._wanted = True
        if context is not None:
            context.destroyed.connect(self._unwanted)
        self.finished.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)

    @Slot()
    def _unwanted(self) -> None:
        self._wanted = False

    @Slot(object)
    def _deliver_result(self, result: Any) -> None:
        self._deliver(self._on_finished, result)

    @Slot(object)
    def _deliver_error(self, exc: Exception) -> None:
        self._deliver(self._on_failed, exc)

    def _deliver(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        _in_flight.discard(self)
        if callback is not None and self._wanted:
            callback(value)


class Job(QRunnable):
    """One call on the pool; its answer goes out through `delivery` (finished(result) or failed(exception))."""

    def __init__(self, fn: Callable[[], Any], delivery: _Delivery) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self.delivery = delivery

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported on the GUI thread, never lost in a worker
            log.warning("background job failed: %s", type(exc).__name__, exc_info=True)
            self.delivery.failed.emit(exc)
        else:
            self.delivery.finished.emit(result)


def pool() -> QThreadPool:
    """The app's pool: sized for "test all" (every service at once) plus a keyring call."""
    shared = QThreadPool.globalInstance()
    shared.setMaxThreadCount(max(shared.maxThreadCount(), len(registry.SERVICE_IDS) + 2))
    return shared


_in_flight: set[_Delivery] = set()  # keeps each job's delivery alive until its answer is delivered


def submit(fn: Callable[[], Any], on_finished: Callable[[Any], None],
           on_failed: Callable[[Exception], None] | None = None, *, context: QObject | None = None) -> Job:
    """Run fn() on the pool and call on_finished(result) (or on_failed(exc)) on the GUI thread.

    With `context` (usually the widget that asked), the answer is dropped if that object is
    destroyed before it arrives.
    """
    delivery = _Delivery(on_finished, on_failed, context)
    _in_flight.add(delivery)
    job = Job(fn, delivery)
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


def warm_up(service_ids: list[str] | tuple[str, ...], context: QObject) -> None:
    """Each service's `warm_up`, on the GUI thread once it is idle (see `Integration.warm_up`):
    never on the pool, where an import races Qt's painting."""
    def run() -> None:
        for service_id in service_ids:
            try:
                registry.get(service_id).warm_up()
            except Exception:  # a warm-up only saves time: the first test loads what it needs
                log.warning("warming up %s failed", service_id, exc_info=True)

    QTimer.singleShot(0, context, run)
