"""RunControl: pause, resume and stop from one thread, seen by the work on another."""

import threading

from digitlab.core.train.control import RunControl


def test_a_new_control_runs():
    control = RunControl()
    assert not control.is_paused() and not control.is_stopped()
    control.wait_if_paused()  # returns at once


def test_pause_holds_the_worker_until_resume():
    control, passed = RunControl(), threading.Event()
    control.pause()
    worker = threading.Thread(target=lambda: (control.wait_if_paused(), passed.set()))
    worker.start()
    assert not passed.wait(0.2)  # still held
    control.resume()
    assert passed.wait(10)
    worker.join()
    assert not control.is_paused()


def test_stop_wakes_a_paused_worker_and_is_final():
    control, passed = RunControl(), threading.Event()
    control.pause()
    worker = threading.Thread(target=lambda: (control.wait_if_paused(), passed.set()))
    worker.start()
    control.stop()
    assert passed.wait(10)
    worker.join()
    assert control.is_stopped() and not control.is_paused()
    control.pause()  # too late: a stopped run must not hang in a pause
    control.resume()
    assert control.is_stopped() and not control.is_paused()
