"""Rewrite Handlebars ``{{else if ...}}`` chains into nested blocks for pybars.

SendGrid documents ``{{#if a}}..{{else if b}}..{{else}}..{{/if}}`` but pybars3
0.9 does not parse chained ``else``: it reads ``{{else if b}}`` as a call to a
helper named ``else``. Handlebars.js itself defines the chain as sugar for
nesting, so the template is rewritten the same way before compiling:

    {{#if a}}A{{else if b}}B{{else}}C{{/if}}
    {{#if a}}A{{else}}{{#if b}}B{{else}}C{{/if}}{{/if}}

Any helper may follow ``else`` (``{{else unless x}}``, ``{{else equals a b}}``).

``check_block_structure`` catches what pybars silently renders as nothing but
Handlebars.js rejects: an unclosed ``{{#block}}``, a ``{{/close}}`` that does
not match, a ``{{`` that never closes.
"""

from __future__ import annotations

import re

_TAG = re.compile(
    r"\{\{\{.*?\}\}\}"  # triple-stash output: never a block tag
    r"|\{\{!--.*?--\}\}|\{\{!.*?\}\}"  # comments
    r"|\{\{(?P<open_trim>~?)\s*(?P<kind>[#/^]|else\b)?\s*(?P<body>.*?)\s*(?P<close_trim>~?)\}\}",
    re.DOTALL,
)


def desugar_else_chains(source: str) -> str:
    if "else" not in source:
        return source
    output: list[str] = []
    stack: list[list[str]] = []  # per open block: helpers opened by its ``else X`` clauses
    position = 0
    for match in _TAG.finditer(source):
        output.append(source[position : match.start()])
        position = match.end()
        tag, kind, body = match.group(0), match.group("kind"), (match.group("body") or "")
        if kind in ("#", "^") and body:
            stack.append([])
        elif kind == "/":
            chained = stack.pop() if stack else []
            output.extend(f"{{{{/{name}}}}}" for name in reversed(chained))
        elif kind == "else" and body and stack:
            helper = body.split()[0]
            stack[-1].append(helper)
            tag = "{{{{{}else}}}}{{{{#{}{}}}}}".format(match.group("open_trim"), body, match.group("close_trim"))
        output.append(tag)
    output.append(source[position:])
    return "".join(output)


def check_block_structure(source: str) -> None:
    """Raise ``ValueError`` for unbalanced blocks or an unterminated ``{{``."""
    stack: list[str] = []
    position = 0
    for match in _TAG.finditer(source):
        if "{{" in source[position : match.start()]:
            raise ValueError("a '{{' is never closed")
        position = match.end()
        kind, body = match.group("kind"), (match.group("body") or "")
        if kind in ("#", "^") and body:
            name = body.split()[0].lstrip("*>")
            stack.append(name)
        elif kind == "/":
            if not stack:
                raise ValueError(f"{{{{/{body}}}}} closes no open block")
            opened = stack.pop()
            if body != opened:
                raise ValueError(f"{{{{#{opened}}}}} is closed by {{{{/{body}}}}}")
    if "{{" in source[position:]:
        raise ValueError("a '{{' is never closed")
    if stack:
        raise ValueError(f"{{{{#{stack[-1]}}}}} is never closed")
