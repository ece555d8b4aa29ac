"""One BLAS thread while the sampler computes.

The sampler's matrices are small (at most a few thousand rows), where a single BLAS thread is as
fast as many, and multi-threaded BLAS next to other busy processes or threads (parallel Optuna
workers, GPU training, ``n_jobs > 1``) can be 100x slower through oversubscription.  The limit is
process-wide, so it is reference-counted: the first thread to enter sets it, the last to leave
restores the user's setting.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import threading
from typing import Any

_lock = threading.Lock()
_depth = 0
_controller: Any = None
_limiter: Any = None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    global _depth, _controller, _limiter
    with _lock:
        if _depth == 0:
            if _controller is None:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
