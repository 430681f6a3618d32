"""Running a coroutine from a synchronous test."""

import asyncio
import threading


def run_in_own_loop(coro, timeout: float = 60):
    """Run `coro` in a thread with a loop of its own and return its result (the browser
    tests leave a loop running in the main thread, so neither asyncio.run nor pytest-asyncio
    can run a test after them there)."""
    outcome = {}

    def target():
        try:
            outcome["result"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError("the coroutine did not finish")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
