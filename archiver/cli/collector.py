"""The ``archiver`` process and Python's cyclic garbage collector: what the process makes to
start, and keeps to its end, is set aside; nothing is collected at exit.

A crawl's start-up (Scrapy, Twisted, lxml, the date tables, the components) makes some
140,000 objects that live as long as the process. The collector's full passes walk every one
of them: again and again while the imports make them (~50 ms of a crawl's start-up), now and
then during the crawl, and once more when the interpreter exits (0.2 s after a 1,000-post
crawl; up to 0.9 s on a busy machine): all to find cycles among objects that are never
garbage. ``gc.freeze()`` moves every object that exists into a permanent generation that no
collection walks.

- :func:`own_process` (``archiver`` run as a command, not ``main()`` called by a test or a
  script that has a heap of its own) switches the collector off while the command's modules
  are imported, and freezes every object when the interpreter exits, before its last
  collection: that collection then walks nothing. Exit handlers still run (``atexit``:
  logging's flush, a multiprocessing pool's shutdown) and objects are still freed by their
  reference counts; only an object kept alive by a reference cycle is not finalised at exit,
  which CPython never promised either (archiver closes its files where it writes them:
  archiver.files).
- :func:`start_up_done` freezes what the start-up made and switches the collector on again;
  the crawl calls it once more when its engine has started, so the components' objects are
  set aside too. Objects made later are collected as usual: the crawl's own cycles (Twisted's
  failures, Scrapy's deferreds) live as briefly as before.
"""

from __future__ import annotations

import atexit
import gc

__all__ = ["own_process", "start_up_done"]

_state = {"owned": False, "paused": False}


def own_process() -> None:
    """Take the process's collector (once): off until :func:`start_up_done`, and nothing
    walked at exit."""
    if _state["owned"]:
        return
    _state["owned"] = True
    atexit.register(gc.freeze)
    if gc.isenabled():
        gc.disable()
        _state["paused"] = True


def start_up_done() -> None:
    """Set aside every object that exists now and switch the collector on again; nothing
    unless :func:`own_process` took the collector. Called again, it sets aside what was made
    since."""
    if not _state["owned"]:
        return
    gc.freeze()
    if _state["paused"]:
        _state["paused"] = False
        gc.enable()
