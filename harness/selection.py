"""Which tests a run picks: feature files and folders, test modules, tags, and the ``@wip`` rule.

pytest selects by test module, but a reader thinks in feature files: ``features/payments`` or
``features/payments/recovery.feature:41`` should run those scenarios, whichever ``steps/test_*.py``
module binds them. ``harness run`` turns such paths into ``--feature-path`` options, which this plugin
(loaded by the root conftest) applies after collection; test modules, node ids and every other
pytest option pass through unchanged.

Scenarios tagged ``@wip`` are work in progress: they are deselected unless the ``-m`` expression
names ``wip`` (``harness run -m wip``), so a half-written scenario never fails the gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_bdd.parser import Feature, ScenarioTemplate

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"

# pytest options whose value is the next argument (so that value is never taken for a path)
VALUE_OPTIONS = frozenset(
    {
        "-k",
        "-m",
        "-n",
        "-p",
        "-o",
        "-c",
        "-r",
        "-W",
        "--numprocesses",
        "--dist",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "--maxfail",
        "--tb",
        "--durations",
        "--randomly-seed",
        "--splits",
        "--group",
        "--feature-path",
        "--basetemp",
        "--rootdir",
        "--override-ini",
        "--log-level",
        "--html",
        "--junitxml",
        "--cucumberjson",
    }
)
SELECTING_OPTIONS = ("-k", "-m", "--deselect", "--lf", "--last-failed", "--feature-path", "--group")


@dataclass
class Selection:
    """A command line split into what pytest collects, the feature filters and the rest."""

    test_paths: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    @property
    def narrows(self) -> bool:
        """Does it pick some tests rather than the whole run?"""
        return bool(self.test_paths or self.features) or any(
            arg in SELECTING_OPTIONS or arg.startswith(tuple(f"{o}=" for o in SELECTING_OPTIONS))
            for arg in self.options
        )

    def pytest_args(self, default_paths: list[str]) -> list[str]:
        features = [f"--feature-path={path}" for path in self.features]
        return [*(self.test_paths or default_paths), *features, *self.options]


def _on_disk(arg: str) -> Path | None:
    """The file or folder an argument names (``path::node`` and ``file.feature:LINE`` included)."""
    head = arg.split("::", 1)[0]
    if head.endswith(".feature") is False and ".feature:" in head:
        head = head.rsplit(":", 1)[0]
    path = Path(head)
    path = path if path.is_absolute() else ROOT / path
    return path if path.exists() else None


def _is_feature(arg: str, path: Path) -> bool:
    return path.suffix == ".feature" or (path.is_dir() and path.resolve().is_relative_to(FEATURES.resolve()))


def split(argv: list[str]) -> Selection:
    """Sort a ``harness run``/``harness test`` command line into a :class:`Selection`."""
    selection = Selection()
    takes_value = False
    for arg in argv:
        if takes_value:
            selection.options.append(arg)
            takes_value = False
            continue
        if arg.startswith("-"):
            selection.options.append(arg)
            takes_value = arg in VALUE_OPTIONS
            continue
        path = _on_disk(arg)
        if path is not None and _is_feature(arg, path):
            selection.features.append(arg)
        elif path is not None:
            selection.test_paths.append(arg)
        else:
            selection.options.append(arg)  # let pytest say what is wrong with it
    return selection


# ----------------------------------------------------------------------------------------- plugin


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("harness").addoption(
        "--feature-path",
        action="append",
        default=[],
        metavar="PATH[:LINE]",
        help="only the scenarios of this feature file or folder (FILE.feature:LINE: the scenario at that line)",
    )


@dataclass(frozen=True)
class FeatureFilter:
    path: Path
    line: int | None

    @classmethod
    def parse(cls, text: str) -> FeatureFilter:
        head, _, tail = text.rpartition(":")
        if head.endswith(".feature") and tail.isdigit():
            path, line = Path(head), int(tail)
        else:
            path, line = Path(text), None
        return cls((path if path.is_absolute() else ROOT / path).resolve(), line)

    def keeps(self, feature_file: Path, scenario_line: int, next_scenario_line: int | None) -> bool:
        if not (feature_file == self.path or feature_file.is_relative_to(self.path)):
            return False
        if self.line is None:
            return True
        return scenario_line <= self.line and (next_scenario_line is None or self.line < next_scenario_line)


def scenario_of(item: pytest.Item) -> ScenarioTemplate | None:
    """The pytest-bdd scenario template an item runs, or None for a plain test."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "obj", None)
    return scenario_wrapper_template_registry.get(function) if function is not None else None


def _scenario_lines(feature: Feature) -> list[int]:
    return sorted(s.line_number for s in feature.scenarios.values())


def _selected_by_features(item: pytest.Item, filters: list[FeatureFilter]) -> bool:
    template = scenario_of(item)
    if template is None:
        return False
    feature_file = Path(template.feature.filename).resolve()
    lines = _scenario_lines(template.feature)
    later = [line for line in lines if line > template.line_number]
    next_line = later[0] if later else None
    return any(f.keeps(feature_file, template.line_number, next_line) for f in filters)


def _wip_wanted(config: pytest.Config) -> bool:
    return "wip" in (config.getoption("markexpr", "") or "")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    filters = [FeatureFilter.parse(text) for text in config.getoption("feature_path") or []]
    for path in {f.path for f in filters}:
        if not path.exists():
            raise pytest.UsageError(f"--feature-path {path}: no such feature file or folder")
    keep_wip = _wip_wanted(config)
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        wanted = (not filters or _selected_by_features(item, filters)) and (
            keep_wip or item.get_closest_marker("wip") is None
        )
        (selected if wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
