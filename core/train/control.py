"""Pause, resume and stop for work running on another thread.

The caller makes one ``RunControl`` and hands it to the work (a ``Trainer``, a
``Finetuning``, a download's cancel check), so a stop asked for before the work has
even been built is not lost. The work asks between its steps; the control never
interrupts a step.
"""

from __future__ import annotations

import threading


class RunControl:
    """Thread-safe flags: ``pause``, ``resume`` and ``stop`` from any thread; the running
    work calls ``wait_if_paused`` and ``is_stopped`` between steps. A stop is final."""

    def __init__(self) -> None:
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._stopped = threading.Event()

    def pause(self) -> None:
        """Hold the work before its next step, until ``resume`` or ``stop``."""
        if not self._stopped.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """End the work before its next step; a paused run wakes to see it."""
        self._stopped.set()
        self._running.set()

    def is_paused(self) -> bool:
        return not self._running.is_set()

    def is_stopped(self) -> bool:
        return self._stopped.is_set()

    def wait_if_paused(self) -> None:
        """Block while paused; returns at once otherwise, and as soon as ``resume`` or
        ``stop`` is called. Check ``is_stopped`` afterwards."""
        self._running.wait()
