"""Mutation scores from mutmut's results, with the committed list of equivalent mutants taken out.

mutmut keeps one ``mutants/<source file>.meta`` per mutated file: the exit code of the covering tests
for each mutant it checked. This module turns those into what a reader of ``harness mutation`` needs:
a score per package (killed out of killed + surviving), and each survivor with its file:line and diff.

Some mutants cannot be killed because they behave exactly like the original (a default argument that
is always passed, a bound nobody can reach). ``mutation/equivalent.toml`` lists them, each with the
reason, either by mutmut's name or by file, function and the changed lines (names shift when a
function gains a mutable expression; the changed lines do not). A listed mutant counts as equivalent,
neither killed nor surviving; a listed entry that matches nothing is reported, so the list cannot
quietly rot.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py), folded into the four outcomes a score needs.
KILLED_CODES = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # a test failed, crashed, timed out or type-check
SURVIVED_CODES = {0}
NO_TESTS_CODES = {5, 33}  # no test covers the mutated function: nothing would catch a real defect there
UNCHECKED_CODES = {None, 2, 34}  # not run yet, interrupted (a budget ran out) or skipped


def status_of(exit_code: int | None) -> str:
    if exit_code in KILLED_CODES:
        return "killed"
    if exit_code in SURVIVED_CODES:
        return "survived"
    if exit_code in NO_TESTS_CODES:
        return "no tests"
    if exit_code in UNCHECKED_CODES:
        return "not checked"
    return "suspicious"  # mutmut could not tell (e.g. the tests behaved differently on a clean run)


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's: app_under_test.webhooks.stripe_ingest.x_verify__mutmut_12
    path: str  # app_under_test/webhooks/stripe_ingest.py
    status: str

    @property
    def function(self) -> str:
        """``verify``, or ``Class.method`` for a method (mutmut writes ``xǁClassǁmethod__mutmut_3``)."""
        last = self.name.rsplit(".", 1)[-1]
        last = last.rsplit("__mutmut_", 1)[0]
        if last.startswith("xǁ"):
            return last[2:].replace("ǁ", ".")
        return last.removeprefix("x_")

    @property
    def package(self) -> str:
        return package_of(self.path)

    @property
    def counts_as_survivor(self) -> bool:
        return self.status in ("survived", "no tests", "suspicious")


def package_of(path: str) -> str:
    """Sub-packages are one row (``app_under_test/webhooks``); each top-level module is its own row."""
    parts = Path(path).parts
    return "/".join(parts[:2]) if len(parts) > 2 else path


def load_mutants(mutants_dir: Path, source_files: Iterable[str]) -> list[Mutant]:
    """Every mutant mutmut generated for these files (relative paths), with its outcome so far."""
    found: list[Mutant] = []
    for source in sorted(source_files):
        meta = mutants_dir / f"{source}.meta"
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text("utf-8")).get("exit_code_by_key", {})
        found.extend(Mutant(name, source, status_of(code)) for name, code in sorted(codes.items()))
    return found


def changed_lines(diff: str) -> tuple[str, ...]:
    """The removed and added lines of a unified diff, signs kept, indentation dropped: a mutant's fingerprint."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")) or not line.startswith(("-", "+")):
            continue
        lines.append(line[0] + " " + line[1:].strip())
    return tuple(lines)


@dataclass(frozen=True)
class Equivalent:
    reason: str
    name: str | None = None
    file: str | None = None
    function: str | None = None
    diff: tuple[str, ...] = ()
    unreachable: frozenset[str] = frozenset()  # source lines no input can run: every mutant of them is equivalent

    def matches(self, mutant: Mutant, diff: Callable[[Mutant], str]) -> bool:
        if self.name is not None:
            return mutant.name == self.name
        if mutant.path != self.file or mutant.function != self.function:
            return False
        changed = changed_lines(diff(mutant))
        if self.unreachable:
            removed = {line[2:] for line in changed if line.startswith("-")}
            return bool(removed) and removed <= self.unreachable
        return changed == self.diff


def load_equivalents(path: Path) -> list[Equivalent]:
    """``[[equivalent]]`` tables: ``name``, or ``file`` + ``function`` + ``diff`` (one mutant) or ``unreachable``
    (source lines no input can run: every mutant that changes only those), and always a ``reason``."""
    if not path.exists():
        return []
    entries = []
    for number, table in enumerate(tomllib.loads(path.read_text("utf-8")).get("equivalent", []), start=1):
        reason = str(table.get("reason", "")).strip()
        if not reason:
            raise ValueError(f"{path}: entry {number} gives no reason")
        if "name" in table:
            entries.append(Equivalent(reason=reason, name=str(table["name"])))
            continue
        missing = [key for key in ("file", "function") if not table.get(key)]
        if missing or not (table.get("diff") or table.get("unreachable")):
            raise ValueError(
                f"{path}: entry {number} needs a name, or file, function and diff or unreachable"
                f" (missing {missing or ['diff or unreachable']})"
            )
        entries.append(
            Equivalent(
                reason=reason,
                file=str(table["file"]),
                function=str(table["function"]),
                diff=changed_lines(str(table.get("diff", ""))),
                unreachable=frozenset(
                    line.strip() for line in str(table.get("unreachable", "")).splitlines() if line.strip()
                ),
            )
        )
    return entries


@dataclass
class PackageScore:
    package: str
    generated: int = 0
    killed: int = 0
    survived: int = 0
    equivalent: int = 0
    not_checked: int = 0

    @property
    def score(self) -> float | None:
        """Killed out of the non-equivalent mutants that were checked; None before any was."""
        judged = self.killed + self.survived
        return 100.0 * self.killed / judged if judged else None


@dataclass
class Report:
    packages: dict[str, PackageScore]
    survivors: list[Mutant]
    equivalent: list[tuple[Mutant, Equivalent]]
    unused_equivalents: list[Equivalent] = field(default_factory=list)

    @property
    def total(self) -> PackageScore:
        return summed("all", self.packages.values())


def summed(name: str, rows: Iterable[PackageScore]) -> PackageScore:
    """One row adding up the counts of several (a score over them is only fair when they were sampled alike)."""
    total = PackageScore(name)
    for row in rows:
        total.generated += row.generated
        total.killed += row.killed
        total.survived += row.survived
        total.equivalent += row.equivalent
        total.not_checked += row.not_checked
    return total


def build_report(mutants: list[Mutant], equivalents: list[Equivalent], diff: Callable[[Mutant], str]) -> Report:
    report = Report(packages={}, survivors=[], equivalent=[])
    used: set[int] = set()
    for mutant in mutants:
        row = report.packages.setdefault(mutant.package, PackageScore(mutant.package))
        row.generated += 1
        if mutant.status == "not checked":
            row.not_checked += 1
        elif mutant.status == "killed":
            row.killed += 1
        else:
            # only a surviving mutant is looked up: the diff costs a parse of the mutated file
            entry = next((e for e in equivalents if e.matches(mutant, diff)), None)
            if entry is None:
                row.survived += 1
                report.survivors.append(mutant)
            else:
                row.equivalent += 1
                used.add(id(entry))
                report.equivalent.append((mutant, entry))
    report.unused_equivalents = [e for e in equivalents if id(e) not in used]
    return report


def source_line(root: Path, mutant: Mutant, diff: str) -> int | None:
    """The line of the original file the mutation changes: the first removed line, found inside its function."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    if not removed:
        return None
    text = (root / mutant.path).read_text("utf-8")
    lines = text.splitlines()
    start, end = 1, len(lines)
    wanted = mutant.function.split(".")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef) and len(wanted) == 2 and node.name == wanted[0]:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == wanted[1]:
                    start, end = item.lineno, item.end_lineno or end
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and [node.name] == wanted:
            start, end = node.lineno, node.end_lineno or end
            break
    target = removed[0].strip()
    for number in range(start, end + 1):
        if lines[number - 1].strip() == target:
            return number
    return start


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def format_table(report: Report) -> str:
    header = f"{'package':<42} {'mutants':>7} {'killed':>7} {'survived':>8} {'equiv.':>6} {'unchecked':>9} {'score':>7}"
    rows = [header, "-" * len(header)]
    for row in [*sorted(report.packages.values(), key=lambda r: r.package), report.total]:
        if row.package == "all":
            rows.append("-" * len(header))
        rows.append(
            f"{row.package:<42} {row.generated:>7} {row.killed:>7} {row.survived:>8} {row.equivalent:>6}"
            f" {row.not_checked:>9} {_percent(row.score):>7}"
        )
    return "\n".join(rows)


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion, in percent (z = 1.96: 95%); None without a trial.

    Unlike the normal approximation (p +- z*sqrt(p(1-p)/n)) it stays inside 0-100% and does not collapse to a
    point when every sampled mutant was killed (25 of 25 killed gives 86.7-100%, not 100-100%)."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return 100.0 * max(0.0, centre - half), 100.0 * min(1.0, centre + half)


def sample_rank(seed: int, name: str) -> str:
    """A mutant's place in the seeded random order of its package: a hash of the seed and its name.

    Each mutant's rank depends on its own name only, so the order is a uniformly random permutation for a
    seed, the first N of a package are a prefix of its first M > N (a bigger sample re-uses a smaller one's
    results), and a mutant added or removed elsewhere does not reshuffle the rest."""
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()


def sample(mutants: Iterable[Mutant], per_package: int, seed: int) -> list[Mutant]:
    """The first ``per_package`` mutants of each package in the seeded order (all of a smaller package)."""
    if per_package < 1:
        raise ValueError("a sample takes at least one mutant per package")
    by_package: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_package.setdefault(mutant.package, []).append(mutant)
    chosen: list[Mutant] = []
    for package in sorted(by_package):
        ranked = sorted(by_package[package], key=lambda m: sample_rank(seed, m.name))
        chosen.extend(ranked[:per_package])
    return chosen


# The bars a package's score is held to: the code where a defect costs most, and the rest of the app.
PRIORITY_PACKAGES = frozenset(
    f"app_under_test/{name}" for name in ("webhooks", "payments", "mail", "calendly", "views")
)
PRIORITY_BAR = 90.0
REST_BAR = 80.0


def bar_of(package: str) -> float:
    return PRIORITY_BAR if package in PRIORITY_PACKAGES else REST_BAR


def verdict(interval: tuple[float, float] | None, bar: float, *, exact: bool = False) -> str:
    """``met`` when the whole interval is at or above the bar, ``below`` when it is all under it, ``sample more``
    when the bar lies inside it (the sample cannot tell yet); an exact score is simply compared."""
    if interval is None:
        return "-"
    low, high = interval
    if exact:
        return "met" if low >= bar else "below"
    if low >= bar:
        return "met"
    if high < bar:
        return "below"
    return "sample more"


def stratified_estimate(
    rows: Iterable[PackageScore], generated: dict[str, int], z: float = 1.96
) -> tuple[float, float, float] | None:
    """The score of a group of packages sampled at different rates, with its 95% interval, in percent.

    A stratified estimate: each package's score over its sample, weighted by the package's share of the
    group's mutants (a package of 300 mutants weighs ten times one of 30, however many of each were sampled).
    Its variance is the weighted sum of each package's, with the finite-population correction (a package
    sampled whole adds none). Each package's variance uses (killed + 1) / (judged + 2) rather than the raw
    proportion, so that a package whose few sampled mutants were all killed still adds the doubt its small
    sample leaves, instead of none. Packages with nothing judged yet are left out of the weights."""
    strata = [row for row in rows if row.killed + row.survived]
    if not strata:
        return None
    population = sum(generated.get(row.package, row.generated) for row in strata)
    estimate = variance = 0.0
    for row in strata:
        size = generated.get(row.package, row.generated)
        judged = row.killed + row.survived
        weight = size / population
        estimate += weight * row.killed / judged
        shrunk = (row.killed + 1) / (judged + 2)
        unsampled = max(0.0, 1 - row.generated / size) if size else 0.0
        variance += weight * weight * shrunk * (1 - shrunk) / judged * unsampled
    half = z * math.sqrt(variance)
    return 100.0 * estimate, 100.0 * max(0.0, estimate - half), 100.0 * min(1.0, estimate + half)


def format_sample_table(report: Report, generated: dict[str, int]) -> str:
    """One row per package of a sample: its mutants, how many were sampled, their outcomes, the score over the
    sample, its 95% Wilson interval ("exact" when the whole package was sampled and checked) and whether the
    package meets its bar (90% for the priority packages, 80% for the rest). Below them, when the sample holds
    more than one package outside the priority ones, "the rest of the app": their stratified estimate."""
    header = (
        f"{'package':<38} {'mutants':>7} {'sampled':>7} {'killed':>6} {'survived':>8} {'equiv.':>6}"
        f" {'unchecked':>9} {'score':>7} {'95% interval':>14} {'bar':>4}  verdict"
    )
    rows = [header, "-" * len(header)]
    for row in sorted(report.packages.values(), key=lambda r: r.package):
        judged = row.killed + row.survived
        interval = wilson_interval(row.killed, judged)
        exact = row.generated == generated.get(row.package) and not row.not_checked
        if interval is None:
            shown = "-"
        elif exact:
            shown = "exact"
        else:
            shown = f"{interval[0]:.1f}-{interval[1]:.1f}%"
        bar = bar_of(row.package)
        exact_interval = None if row.score is None else (row.score, row.score)
        rows.append(
            f"{row.package:<38} {generated.get(row.package, row.generated):>7} {row.generated:>7} {row.killed:>6}"
            f" {row.survived:>8} {row.equivalent:>6} {row.not_checked:>9} {_percent(row.score):>7} {shown:>14}"
            f" {bar:>3.0f}%  {verdict(exact_interval, bar, exact=True) if exact else verdict(interval, bar)}"
        )
    rest = [row for row in report.packages.values() if row.package not in PRIORITY_PACKAGES]
    total = report.total
    rows.append("-" * len(header))
    if len(rest) > 1:
        group = stratified_estimate(rest, generated)
        counts = summed("rest", rest)
        score, shown = ("-", "-") if group is None else (f"{group[0]:.1f}%", f"{group[1]:.1f}-{group[2]:.1f}%")
        rows.append(
            f"{'the rest of the app (weighted)':<38} {sum(generated.get(r.package, r.generated) for r in rest):>7}"
            f" {counts.generated:>7} {counts.killed:>6} {counts.survived:>8} {counts.equivalent:>6}"
            f" {counts.not_checked:>9} {score:>7} {shown:>14} {REST_BAR:>3.0f}%"
            f"  {verdict(None if group is None else group[1:], REST_BAR)}"
        )
    rows.append(
        f"{'all (rates differ: no score)':<38} {sum(generated.values()):>7} {total.generated:>7}"
        f" {total.killed:>6} {total.survived:>8} {total.equivalent:>6} {total.not_checked:>9} {'-':>7} {'-':>14}"
    )
    return "\n".join(rows)


def format_survivors(report: Report, root: Path, diff: Callable[[Mutant], str], *, limit: int | None = None) -> str:
    """Each survivor as ``file:line  status  name`` and its diff; the first ``limit`` of them when given."""
    shown = report.survivors if limit is None else report.survivors[:limit]
    blocks = []
    for mutant in shown:
        text = diff(mutant)
        line = source_line(root, mutant, text)
        where = f"{mutant.path}:{line}" if line else mutant.path
        body = "\n".join(f"    {d}" for d in text.splitlines() if not d.startswith(("---", "+++")))
        blocks.append(f"{where}  {mutant.status}  {mutant.name}\n{body}")
    if limit is not None and len(report.survivors) > limit:
        blocks.append(f"... and {len(report.survivors) - limit} more (harness mutation --report-only --all)")
    return "\n\n".join(blocks)
