"""Compiled bytecode kept between runs, in one folder inside the virtualenv.

With ``PYTHONDONTWRITEBYTECODE`` set (it is, on some CI images and developer machines, to keep
``__pycache__`` folders out of the source tree), every process compiles every module it imports from
source, and pytest redoes its assertion rewriting of every plugin and step module: about 3.5 s before
the first test of a run, again in each xdist worker and in each app or CLI process a test starts.
Writing the bytecode under ``PYTHONPYCACHEPREFIX`` (``<virtualenv>/pycache``) keeps the source tree
clean, which is what that setting is for, and lets every later process read it back.

An explicit ``PYTHONPYCACHEPREFIX`` is left as it is; ``HARNESS_BYTECODE=off`` keeps bytecode unwritten.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from pathlib import Path

PYCACHE = Path(sys.prefix) / "pycache"


def keep_bytecode(environ: MutableMapping[str, str]) -> None:
    """Let the processes started with ``environ`` write and reuse bytecode under ``PYCACHE``."""
    if environ.get("HARNESS_BYTECODE", "").lower() in ("off", "0", "no", "false"):
        return
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
