"""The mutation report on a tiny fixture: outcomes, the equivalent list, scores and file:line (no mutmut run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.mutation import module_pattern, sample_mutants, source_files
from harness.mutation_report import (
    Mutant,
    PackageScore,
    build_report,
    format_sample_table,
    format_survivors,
    format_table,
    load_equivalents,
    load_mutants,
    stratified_estimate,
    verdict,
    wilson_interval,
)

SOURCE = """\
def fee(amount):
    if amount > 100:
        return amount // 10
    return 0


class Clock:
    def later(self, seconds):
        return seconds + 1
"""

HEADER = "--- a\n+++ b\n@@ -1,4 +1,4 @@\n"
DIFFS = {
    "pkg.money.x_fee__mutmut_1": HEADER + " def fee(amount):\n-    if amount > 100:\n+    if amount >= 100:\n",
    "pkg.money.x_fee__mutmut_2": HEADER + "-        return amount // 10\n+        return amount / 10\n",
    "pkg.money.xǁClockǁlater__mutmut_1": HEADER + "-        return seconds + 1\n+        return seconds - 1\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "money.py").write_text(SOURCE)
    meta = tmp_path / "mutants" / "pkg" / "money.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {
        "pkg.money.x_fee__mutmut_1": 0,  # survived
        "pkg.money.x_fee__mutmut_2": 0,  # survived, listed as equivalent below
        "pkg.money.x_fee__mutmut_3": 1,  # killed
        "pkg.money.x_fee__mutmut_4": 36,  # timed out: killed
        "pkg.money.x_fee__mutmut_5": None,  # not checked yet (a budget ran out)
        "pkg.money.xǁClockǁlater__mutmut_1": 33,  # no test covers it
    }
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return tmp_path


def diff(mutant: Mutant) -> str:
    return DIFFS[mutant.name]


def write_equivalents(project: Path, text: str) -> Path:
    path = project / "equivalent.toml"
    path.write_text(text)
    return path


def test_outcomes_fold_into_killed_survived_and_unchecked(project: Path) -> None:
    mutants = load_mutants(project / "mutants", ["pkg/money.py"])
    report = build_report(mutants, [], diff)
    row = report.packages["pkg/money.py"]
    assert (row.generated, row.killed, row.survived, row.equivalent, row.not_checked) == (6, 2, 3, 0, 1)
    assert row.score == pytest.approx(40.0)
    assert [m.status for m in report.survivors] == ["survived", "survived", "no tests"]


def test_an_equivalent_mutant_leaves_the_score_and_an_unmatched_entry_is_reported(project: Path) -> None:
    equivalents = load_equivalents(
        write_equivalents(
            project,
            '[[equivalent]]\nfile = "pkg/money.py"\nfunction = "fee"\n'
            'diff = """\n-  return amount // 10\n+  return amount / 10\n"""\nreason = "amounts are whole tens"\n'
            '[[equivalent]]\nname = "pkg.money.x_gone__mutmut_9"\nreason = "a mutant of a function since removed"\n',
        )
    )
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), equivalents, diff)
    row = report.packages["pkg/money.py"]
    assert (row.killed, row.survived, row.equivalent) == (2, 2, 1)
    assert row.score == pytest.approx(50.0)
    assert [m.name for m, _ in report.equivalent] == ["pkg.money.x_fee__mutmut_2"]
    assert [e.name for e in report.unused_equivalents] == ["pkg.money.x_gone__mutmut_9"]


def test_the_same_change_in_another_function_is_not_covered_by_an_entry(project: Path) -> None:
    equivalents = load_equivalents(
        write_equivalents(
            project,
            '[[equivalent]]\nfile = "pkg/money.py"\nfunction = "Clock.other"\n'
            'diff = """\n-return seconds + 1\n+return seconds - 1\n"""\nreason = "not this one"\n',
        )
    )
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), equivalents, diff)
    assert "pkg.money.xǁClockǁlater__mutmut_1" in [m.name for m in report.survivors]


def test_an_unreachable_line_makes_every_mutant_of_it_equivalent_and_no_other(project: Path) -> None:
    equivalents = load_equivalents(
        write_equivalents(
            project,
            '[[equivalent]]\nfile = "pkg/money.py"\nfunction = "fee"\n'
            'unreachable = """\n        return amount // 10\n"""\nreason = "fee is only asked of amounts over 100"\n',
        )
    )
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), equivalents, diff)
    assert [m.name for m, _ in report.equivalent] == ["pkg.money.x_fee__mutmut_2"]
    assert "pkg.money.x_fee__mutmut_1" in [m.name for m in report.survivors]  # another line of the same function


def test_an_entry_without_a_reason_is_refused(project: Path) -> None:
    path = write_equivalents(project, '[[equivalent]]\nname = "pkg.money.x_fee__mutmut_2"\n')
    with pytest.raises(ValueError, match="no reason"):
        load_equivalents(path)


def test_survivors_are_listed_with_file_line_and_diff(project: Path) -> None:
    report = build_report(load_mutants(project / "mutants", ["pkg/money.py"]), [], diff)
    text = format_survivors(report, project, diff)
    assert "pkg/money.py:2  survived  pkg.money.x_fee__mutmut_1" in text
    assert "pkg/money.py:3  survived  pkg.money.x_fee__mutmut_2" in text
    assert "pkg/money.py:9  no tests  pkg.money.xǁClockǁlater__mutmut_1" in text
    assert "+    if amount >= 100:" in text
    table = format_table(report)
    assert "pkg/money.py" in table and "40.0%" in table


def test_scope_names_the_modules_mutmut_should_check() -> None:
    files = source_files(["app_under_test/webhooks"])
    assert "app_under_test/webhooks/stripe_ingest.py" in files
    assert all(f.startswith("app_under_test/webhooks/") for f in files)
    assert not [f for f in source_files(["app_under_test"]) if "/migrations/" in f]
    assert module_pattern("app_under_test/views/auth.py") == "app_under_test.views.auth.x*"
    assert module_pattern("app_under_test/mail/__init__.py") == "app_under_test.mail.x*"
    with pytest.raises(SystemExit):
        source_files(["harness"])


# -- sampling (harness mutation --sample N) -------------------------------------------------------------------

APP_FILES = {  # file -> how many mutants mutmut made of it
    "app_under_test/webhooks/stripe_ingest.py": 40,
    "app_under_test/webhooks/base.py": 15,
    "app_under_test/mail/sender.py": 30,
    "app_under_test/timeutil.py": 12,
    "app_under_test/lifecycle.py": 3,
    "app_under_test/migrations/versions/0001_initial.py": 20,  # do_not_mutate: never in a sample
}


@pytest.fixture
def app_mutants(project: Path) -> list[Mutant]:
    """mutmut's results for a few app files beside the tiny project: nothing checked yet."""
    for file, count in APP_FILES.items():
        meta = project / "mutants" / f"{file}.meta"
        meta.parent.mkdir(parents=True, exist_ok=True)
        module = file.removesuffix(".py").replace("/", ".")
        codes = {f"{module}.x_f{i % 4}__mutmut_{i}": None for i in range(1, count + 1)}
        meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return load_mutants(project / "mutants", APP_FILES)


def names(mutants: list[Mutant]) -> list[str]:
    return [m.name for m in mutants]


def test_a_sample_is_the_same_for_a_seed_and_another_for_another_seed(app_mutants: list[Mutant]) -> None:
    first = sample_mutants(app_mutants, 5, seed=16)
    assert names(first) == names(sample_mutants(list(reversed(app_mutants)), 5, seed=16))
    assert names(first) != names(sample_mutants(app_mutants, 5, seed=17))


def test_every_package_gets_its_share_and_a_small_one_is_taken_whole(app_mutants: list[Mutant]) -> None:
    chosen = sample_mutants(app_mutants, 5, seed=16)
    per_package = {p: sum(1 for m in chosen if m.package == p) for p in {m.package for m in chosen}}
    assert per_package == {
        "app_under_test/webhooks": 5,  # two files, one package
        "app_under_test/mail": 5,
        "app_under_test/timeutil.py": 5,
        "app_under_test/lifecycle.py": 3,  # fewer than asked: all of them
    }
    assert len(set(names(chosen))) == len(chosen)


def test_a_sample_never_picks_a_migration(app_mutants: list[Mutant]) -> None:
    assert not [m for m in sample_mutants(app_mutants, 1000, seed=16) if "/migrations/" in m.path]
    assert len(sample_mutants(app_mutants, 1000, seed=16)) == 100  # every other mutant


def test_a_bigger_sample_keeps_the_smaller_one(app_mutants: list[Mutant]) -> None:
    """So a run with --sample 50 re-uses the results of --sample 25 and checks only the 25 new ones."""
    small = set(names(sample_mutants(app_mutants, 4, seed=16)))
    big = set(names(sample_mutants(app_mutants, 9, seed=16)))
    assert small < big


def test_a_mutant_added_elsewhere_does_not_reshuffle_a_package(app_mutants: list[Mutant]) -> None:
    """A function changed in one module (mutants come and go) leaves the sample of the others alone."""
    before = sample_mutants(app_mutants, 5, seed=16)
    new = [
        Mutant(f"app_under_test.mail.sender.x_new__mutmut_{i}", "app_under_test/mail/sender.py", "not checked")
        for i in range(1, 9)
    ]
    after = sample_mutants(app_mutants + new, 5, seed=16)
    assert [n for n in names(after) if ".webhooks." in n] == [n for n in names(before) if ".webhooks." in n]


def test_the_sample_is_spread_uniformly_over_a_package() -> None:
    """Over many seeds each of 20 mutants is picked about as often as the others (5 of 20: a quarter)."""
    mutants = [
        Mutant(f"app_under_test.mail.x_f__mutmut_{i}", "app_under_test/mail/sender.py", "killed") for i in range(20)
    ]
    picks = dict.fromkeys(names(mutants), 0)
    for seed in range(2000):
        for mutant in sample_mutants(mutants, 5, seed=seed):
            picks[mutant.name] += 1
    assert all(400 < count < 600 for count in picks.values()), picks  # expected 500 each


def test_the_wilson_interval_matches_the_textbook_figures() -> None:
    low, high = wilson_interval(20, 25) or (0, 0)
    assert (round(low, 1), round(high, 1)) == (60.9, 91.1)
    low, high = wilson_interval(25, 25) or (0, 0)
    assert (round(low, 1), high) == (86.7, 100.0)  # all killed: the interval still says how sure that is
    low, high = wilson_interval(0, 10) or (0, 0)
    assert (low, round(high, 1)) == (0.0, 27.8)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_the_interval_narrows_as_the_sample_grows() -> None:
    widths = []
    for trials in (25, 100, 400):
        low, high = wilson_interval(round(trials * 0.9), trials) or (0, 0)
        assert low < 90 < high
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True)


def test_the_sample_table_shows_each_package_with_its_interval(app_mutants: list[Mutant]) -> None:
    chosen = sample_mutants(app_mutants, 5, seed=16)
    outcomes = {
        "app_under_test/webhooks": "killed",
        "app_under_test/mail": "survived",
        "app_under_test/lifecycle.py": "killed",
    }
    judged = [Mutant(m.name, m.path, outcomes.get(m.package, m.status)) for m in chosen]
    generated: dict[str, int] = {}
    for mutant in app_mutants:
        generated[mutant.package] = generated.get(mutant.package, 0) + 1
    table = format_sample_table(build_report(judged, [], diff), generated)
    webhooks = next(line for line in table.splitlines() if line.startswith("app_under_test/webhooks"))
    assert webhooks.split() == [
        "app_under_test/webhooks", "55", "5", "5", "0", "0", "0", "100.0%", "56.6-100.0%", "90%", "sample", "more"
    ]  # fmt: skip
    mail = next(line for line in table.splitlines() if line.startswith("app_under_test/mail"))
    assert mail.split()[1:8] == ["30", "5", "0", "5", "0", "0", "0.0%"]
    assert mail.split()[-2:] == ["90%", "below"]
    lifecycle = next(line for line in table.splitlines() if line.startswith("app_under_test/lifecycle.py"))
    assert lifecycle.split()[-4:] == ["100.0%", "exact", "80%", "met"]  # the whole module was sampled and checked
    timeutil = next(line for line in table.splitlines() if line.startswith("app_under_test/timeutil.py"))
    assert timeutil.split()[-4:] == ["-", "-", "80%", "-"]  # nothing checked there yet
    rest = next(line for line in table.splitlines() if line.startswith("the rest of the app"))
    assert rest.split()[-3:] == ["100.0%", "100.0-100.0%", "80%"] or rest.split()[-2:] == ["80%", "met"]


def test_a_group_score_weighs_each_package_by_its_size_not_its_sample() -> None:
    big = PackageScore("app_under_test/big.py", generated=10, killed=10)
    small = PackageScore("app_under_test/small.py", generated=10, killed=0, survived=10)
    score, low, high = stratified_estimate([big, small], {big.package: 900, small.package: 100}) or (0, 0, 0)
    assert round(score, 6) == 90.0  # a pooled count would say 50%
    assert low < 90.0 < high


def test_a_group_sampled_whole_has_an_exact_score_and_a_small_clean_sample_keeps_its_doubt() -> None:
    whole = [
        PackageScore("app_under_test/a.py", generated=40, killed=30, survived=10),
        PackageScore("app_under_test/b.py", generated=60, killed=60),
    ]
    exact = stratified_estimate(whole, {"app_under_test/a.py": 40, "app_under_test/b.py": 60}) or (0, 0, 0)
    assert [round(figure, 9) for figure in exact] == [90.0, 90.0, 90.0]
    clean = [PackageScore("app_under_test/a.py", generated=5, killed=5)]
    score, low, high = stratified_estimate(clean, {"app_under_test/a.py": 200}) or (0, 0, 0)
    assert (score, high) == (100.0, 100.0)
    assert low < 80.0  # five killed out of five says little about two hundred
    assert stratified_estimate([PackageScore("app_under_test/a.py", generated=5, not_checked=5)], {}) is None


def test_a_verdict_is_given_only_when_the_interval_is_clear_of_the_bar() -> None:
    assert verdict((91.0, 99.0), 90.0) == "met"
    assert verdict((70.0, 89.0), 90.0) == "below"
    assert verdict((85.0, 95.0), 90.0) == "sample more"
    assert verdict((85.0, 85.0), 80.0, exact=True) == "met"
    assert verdict(None, 80.0) == "-"
