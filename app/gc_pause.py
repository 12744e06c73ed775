"""Pausing Python's cyclic garbage collector around bulk work."""
import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Run the block with the cyclic collector off.

    Validating or ingesting a large payload allocates millions of objects that live to
    the end of the request; each automatic collection would scan them all again, which
    doubles the time of the work. Reference counting still frees memory meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
