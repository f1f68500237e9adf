"""Tasks for `tests/core/test_workers.py`: they run in worker processes, so they live
in a module a fresh process can import."""

import os
import time


def echo(payload, report, should_stop):
    for step in range(payload["steps"]):
        report(step)
    return {"pid": os.getpid(), "payload": payload, "setting": os.environ.get("MLP_EXPLORER_TEST_SETTING")}


def refuse(payload, report, should_stop):
    raise ValueError(f"Received a value this task refuses. Received: payload={payload!r}")


def break_down(payload, report, should_stop):
    raise KeyError("a bug")


def wait_to_be_stopped(payload, report, should_stop):
    report(os.getpid())
    deadline = time.time() + payload.get("seconds", 60)
    while time.time() < deadline:
        if should_stop():
            return "stopped"
        time.sleep(0.02)
    return "not stopped"


def exit_at_once(payload, report, should_stop):
    os._exit(3)


def abort(payload, report, should_stop):
    os.abort()


def allocate(payload, report, should_stop):
    import numpy as np

    blocks = []
    for _ in range(payload["megabytes"] // 16):
        blocks.append(np.ones(2 << 20))  # 16 MB, touched
        time.sleep(0.01)
    return len(blocks)
