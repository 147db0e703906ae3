"""Loading many long-lived objects at once without the cyclic garbage collector's passes.

Python collects after every 700 new container objects and, every so often, walks every object
alive. Reading the catalog (35,000 reports) or the gazetteer (14,000 units) creates hundreds of
thousands of small objects that all live on and form no cycles: the collector's passes found
nothing and took over a third of the start-up (0.6 s of 2 s on this machine).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_collection() -> Iterator[None]:
    """The collector off inside, back as it was after (it may already be off: a caller's
    pause, or another thread's, is never ended early)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
