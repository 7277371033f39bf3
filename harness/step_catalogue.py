"""The step sentences the features can use, and a dry run that binds every feature line to one.

``harness steps`` lists each sentence pytest-bdd knows (imported from every module under
``steps/``), with the ``file:line`` of its definition and the first line of its docstring.
``harness check`` parses every feature with pytest-bdd's own parser, renders each Scenario
Outline row, and matches each step (Given/When/Then, with And/But taking the type before them)
against those sentences with pytest-bdd's own step parsers: nothing is run, no app or simulator
starts, and a line no sentence matches is reported with the nearest sentences (difflib).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pytest_bdd.parser import ScenarioTemplate
    from pytest_bdd.parsers import StepParser

ROOT = Path(__file__).resolve().parent.parent
STEP_PACKAGE = "steps"


@dataclass(frozen=True)
class StepSentence:
    type: str  # given / when / then, or "step" for one that serves all three
    sentence: str
    file: Path
    line: int
    doc: str
    parser: StepParser

    @property
    def location(self) -> str:
        try:
            return f"{self.file.relative_to(ROOT)}:{self.line}"
        except ValueError:
            return f"{self.file}:{self.line}"

    def serves(self, step_type: str) -> bool:
        return self.type in (step_type, "step")

    def matches(self, text: str) -> bool:
        return self.parser.is_matching(text)


def _import_step_modules(package: str = STEP_PACKAGE) -> None:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if not module.name.rsplit(".", 1)[-1].startswith(("test_", "conftest")):
            importlib.import_module(module.name)


def catalogue(package: str = STEP_PACKAGE) -> list[StepSentence]:
    """Every step definition pytest-bdd registered while the step modules were imported."""
    from pytest_bdd.steps import step_function_context_registry

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    folder = Path(importlib.import_module(package).__path__[0]).resolve()
    _import_step_modules(package)
    seen: dict[tuple[Any, ...], StepSentence] = {}
    for context in list(step_function_context_registry.values()):
        func = inspect.unwrap(context.step_func)
        source = inspect.getsourcefile(func)
        if source is None or not Path(source).resolve().is_relative_to(folder):
            continue  # pytest-bdd's own debugging step, or another package's
        doc = (inspect.getdoc(func) or "").strip().splitlines()
        entry = StepSentence(
            type=context.type or "step",
            sentence=context.parser.name,
            file=Path(source).resolve(),
            line=func.__code__.co_firstlineno,
            doc=doc[0] if doc else "",
            parser=context.parser,
        )
        seen.setdefault((entry.type, entry.sentence, entry.location), entry)
    return sorted(seen.values(), key=lambda s: (s.file, s.line))


def print_catalogue(grep: str | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # the stream of the moment, not the one there was at import
    entries = catalogue()
    if grep:
        needle = grep.lower()
        entries = [e for e in entries if needle in e.sentence.lower() or needle in e.doc.lower()]
    for entry in entries:
        doc = f"  - {entry.doc}" if entry.doc else ""
        print(f"{entry.type.capitalize():5} {entry.sentence}\n      {entry.location}{doc}", file=out)
    print(f"{len(entries)} step sentence(s)" + (f" matching {grep!r}" if grep else ""), file=out)
    return 0 if entries else 1


# ------------------------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Unbound:
    feature: Path
    line: int
    keyword: str
    text: str
    suggestions: tuple[str, ...]

    def describe(self) -> str:
        try:
            where = self.feature.relative_to(ROOT)
        except ValueError:
            where = self.feature
        lines = [f"{where}:{self.line}: no step matches: {self.keyword} {self.text}"]
        lines += [f"    did you mean: {s}" for s in self.suggestions]
        return "\n".join(lines)


def _feature_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for given in paths:
        path = given if given.is_absolute() else ROOT / given
        files += sorted(path.rglob("*.feature")) if path.is_dir() else [path]
    return files


def _rendered_steps(template: ScenarioTemplate) -> list[Any]:
    """The steps of a scenario, once per Examples row for an outline (each row can bind differently)."""
    contexts = [context for examples in template.examples for context in examples.as_contexts()]
    scenarios = [template.render(context) for context in contexts] if contexts else [template.render({})]
    return [step for scenario in scenarios for step in scenario.steps]


def unbound_steps(paths: Iterable[Path], entries: list[StepSentence]) -> tuple[int, list[Unbound]]:
    """(number of step lines checked, the ones no sentence matches)."""
    from pytest_bdd.parser import FeatureParser

    checked, unbound = 0, {}
    for file in _feature_files(paths):
        feature = FeatureParser(str(file.parent), file.name).parse()
        for template in feature.scenarios.values():
            for step in _rendered_steps(template):
                checked += 1
                if any(e.serves(step.type) and e.matches(step.name) for e in entries):
                    continue
                candidates = sorted({e.sentence for e in entries if e.serves(step.type)})
                nearest = difflib.get_close_matches(step.name, candidates, n=3, cutoff=0.5)
                key = (file, step.line_number, step.name)
                unbound[key] = Unbound(file, step.line_number, step.keyword, step.name, tuple(nearest))
    return checked, list(unbound.values())


def check_features(paths: list[Path], out: TextIO | None = None) -> int:
    out = out or sys.stdout  # the stream of the moment, not the one there was at import
    entries = catalogue()
    files = _feature_files(paths)
    missing = [f for f in files if not f.exists()]
    if missing:
        print(f"harness check: no such feature file: {', '.join(map(str, missing))}", file=out)
        return 2
    checked, unbound = unbound_steps(files, entries)
    for problem in unbound:
        print(problem.describe(), file=out)
    verdict = "FAILED" if unbound else "ok"
    print(
        f"harness check: {verdict}: {checked} step lines in {len(files)} feature file(s) against "
        f"{len(entries)} step sentences, {len(unbound)} unbound",
        file=out,
    )
    return 1 if unbound else 0
