"""The writer lock (`core.lock`): a kernel flock with a bounded wait; re-entrant only within one
flow of control (a context variable), so another thread is another writer.
(Across processes and the exit code: tests/integration/test_ingestion_atomicity.py.)"""

from __future__ import annotations

import threading

import pytest

from core.home import Home
from core.lock import WarehouseBusy, writer_lock


def in_thread(home: Home, timeout: float) -> str:
    """Try the lock from another thread; what happened."""
    outcome: list[str] = []

    def take() -> None:
        try:
            with writer_lock(home, timeout=timeout):
                outcome.append("taken")
        except WarehouseBusy as busy:
            outcome.append(str(busy))

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return outcome[0]


def holder(home: Home) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """A thread holding the lock until `release` is set (`holding` once it has it)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(home, timeout=5):
            holding.set()
            release.wait()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(30)
    return holding, release, thread


def test_nested_in_one_thread_is_one_lock_and_another_thread_waits(tmp_path):
    home = Home.at(tmp_path / "home")
    with writer_lock(home, timeout=0):
        with writer_lock(home, timeout=0):  # a stage inside `sammen run`: no wait, no deadlock
            assert "another sammen process is writing" in in_thread(home, 0.2)
        # the inner exit did not let the lock go
        assert "another sammen process is writing" in in_thread(home, 0.2)
    # the outer exit lets it go (a bounded wait: the two given-up waiters' helpers take the lock
    # and let it go at once when it is freed, which a wait of 0 s could meet on a busy machine)
    assert in_thread(home, 30) == "taken"


def test_a_waiter_gets_the_lock_when_the_holder_lets_go(tmp_path):
    home = Home.at(tmp_path / "home")
    _, release, thread = holder(home)
    threading.Timer(0.3, release.set).start()
    # the wait is bounded by far more than the hold: the waiter is woken by the release
    with writer_lock(home, timeout=60):
        assert release.is_set()
    thread.join()


def test_a_given_up_wait_leaves_no_lock_behind(tmp_path):
    home = Home.at(tmp_path / "home")
    _, release, thread = holder(home)
    with pytest.raises(WarehouseBusy, match=r"waited 0 s\); try again when it has finished"):
        with writer_lock(home, timeout=0.1):
            pass
    release.set()
    thread.join()
    # the abandoned waiter got the lock after the holder and let it go at once
    assert in_thread(home, 30) == "taken"
    with writer_lock(home, timeout=30):
        pass


def test_homes_have_their_own_locks(tmp_path):
    one, other = Home.at(tmp_path / "one"), Home.at(tmp_path / "other")
    with writer_lock(one, timeout=0):
        assert in_thread(other, 0) == "taken"
