"""Compiled page templates, shared by every app built in this process.

Jinja compiles a template to Python code the first time an app renders it. A deployed process
builds one app, so sharing changes nothing there; the harness builds an app per scenario, and each
of them compiled the same pages again. Buckets are keyed by template name and source checksum, so
an edited template is compiled afresh.
"""

from __future__ import annotations

from jinja2.bccache import Bucket, BytecodeCache


class ProcessBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


PAGES = ProcessBytecodeCache()
