"""``booking-app seed``: an empty database becomes the demo marketplace, once.

The demo is what a new developer and every ``make serve`` first see: builders in different zones,
each offering a free, a pathway and a paid session, and the marketplace's pathways. Run in-process
through Flask's CLI runner, on the test's own database.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app_under_test.catalog import add_pathway
from app_under_test.db import get_db
from app_under_test.models import Builder, Pathway, SessionKind
from app_under_test.seed import PATHWAYS, SKILLS, ZONES, seed_demo
from tests.app.web_fixtures import make_web_app

pytestmark = pytest.mark.database

# The default demo, in the order it is created: names and headlines come from Faker (pinned in constraints.txt).
DEFAULT_DEMO = [
    ("Jennifer Johnson", "Grass-roots contextually-based migration"),
    ("Sean Walker", "Progressive homogeneous artificial intelligence"),
    ("Selena Williams", "Face-to-face fresh-thinking hub"),
    ("Paula Villanueva", "Versatile well-modulated task-force"),
    ("Nathan Baldwin", "Streamlined bi-directional encryption"),
    ("David Gonzales", "Multi-layered modular Graphical User Interface"),
]


@pytest.fixture
def empty_app(db_url):
    app = make_web_app(db_url, seed=False)
    yield app
    app.extensions["booking_db"].dispose()


def _builders(app) -> list[Builder]:
    with app.app_context(), get_db().reader() as session:
        builders = list(session.scalars(select(Builder).order_by(Builder.id)))
        for builder in builders:  # loaded while the session is open
            _ = builder.session_types, builder.skills
        return builders


def _pathways(app) -> list[str]:
    with app.app_context(), get_db().reader() as session:
        return list(session.scalars(select(Pathway.name).order_by(Pathway.id)))


def test_seeding_an_empty_database_fills_the_demo_marketplace(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert result.output == "seeded 6 builders\n"
    builders = _builders(empty_app)
    assert [b.timezone for b in builders] == ZONES[:6]
    assert _pathways(empty_app) == [name for name, _ in PATHWAYS]
    for builder in builders:
        offered = {(s.name, s.slug, s.kind, s.duration_minutes) for s in builder.session_types}
        assert offered == {
            ("Intro call", "intro-call", SessionKind.FREE, 30),
            ("Pathway mentoring", "pathway-mentoring", SessionKind.PATHWAY, 45),
            ("Deep-dive session", "deep-dive-session", SessionKind.PAID, 60),
        }
        paid = next(s for s in builder.session_types if s.kind is SessionKind.PAID)
        assert paid.price_cents > 0
        assert builder.email.startswith(builder.name.split()[0].lower() + ".")
        assert builder.email.endswith("@builders.example.com")
        assert len(builder.skills) == 3
    assert [(s.currency, s.price_cents) for b in builders for s in b.session_types if s.kind is SessionKind.PAID] == [
        ("usd", 7500),
        ("gbp", 6000),
        ("eur", 9000),
        ("usd", 12000),
        ("usd", 7500),
        ("gbp", 6000),
    ]


def test_seeding_again_changes_nothing_and_says_so(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    before = [(b.name, b.email) for b in _builders(empty_app)]
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0
    assert again.output == "database already has builders; nothing seeded\n"
    assert [(b.name, b.email) for b in _builders(empty_app)] == before


def test_pathways_already_there_are_kept_and_not_doubled(empty_app):
    with empty_app.app_context(), get_db().transaction() as session:
        add_pathway(session, "Our own pathway", "Set up before the demo.")
    assert empty_app.test_cli_runner().invoke(args=["seed", "--builders", "2"]).output == "seeded 2 builders\n"
    assert _pathways(empty_app) == ["Our own pathway"]
    assert len(_builders(empty_app)) == 2


def test_every_seeded_builder_has_three_different_skills(empty_app):
    assert empty_app.test_cli_runner().invoke(args=["seed", "--seed", "7", "--builders", "12"]).exit_code == 0
    assert [len({s.skill for s in b.skills}) for b in _builders(empty_app)] == [3] * 12


def test_the_demo_pathways_and_sessions_say_what_they_are_for(empty_app):
    assert empty_app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    with empty_app.app_context(), get_db().reader() as session:
        pathways = [(p.name, p.description) for p in session.scalars(select(Pathway).order_by(Pathway.id))]
    assert pathways == PATHWAYS
    for builder in _builders(empty_app):
        assert {s.name: s.description for s in builder.session_types} == {
            "Intro call": "A short first conversation.",
            "Pathway mentoring": "Mentoring along one of the marketplace pathways.",
            "Deep-dive session": "An hour on your hardest problem.",
        }


def test_every_seeded_bio_reads_as_plain_sentences_on_one_line(empty_app):
    assert empty_app.test_cli_runner().invoke(args=["seed", "--seed", "7", "--builders", "12"]).exit_code == 0
    sentences = re.compile(r"[A-Z][^.\n]*\.(?: [A-Z][^.\n]*\.)+")
    for builder in _builders(empty_app):
        assert sentences.fullmatch(builder.bio), builder.bio


def test_the_default_demo_has_the_same_builders_on_every_machine(empty_app):
    """A demo, a screenshot or a bug report names its builders; they come from Faker (pinned in constraints.txt)."""
    assert empty_app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    assert [(b.name, b.headline) for b in _builders(empty_app)] == DEFAULT_DEMO


def test_the_playground_demo_lists_the_same_six_builders_as_the_seed_command(empty_app):
    """``make serve`` seeds through ``seed_demo`` with its own defaults, not through the command's options."""
    with empty_app.app_context(), get_db().transaction() as session:
        assert seed_demo(session) == 6
    page = empty_app.test_client().get("/")
    assert page.status_code == 200
    listed = re.findall(
        r'<li class="card" data-builder="[^"]+">\s*<h2><a [^>]+>([^<]+)</a>', page.get_data(as_text=True)
    )
    assert listed == sorted(name for name, _ in DEFAULT_DEMO)


def test_every_seeded_builder_shows_skills_a_marketplace_search_suggests(empty_app):
    """The demo's skills are real ones (python, fundraising, ...), so searching the demo marketplace finds builders."""
    assert empty_app.test_cli_runner().invoke(args=["seed", "--seed", "7", "--builders", "12"]).exit_code == 0
    builders = _builders(empty_app)
    for builder in builders:
        assert {s.skill for s in builder.skills} <= set(SKILLS), builder.name
    browser = empty_app.test_client()
    found = {
        skill: browser.get("/", query_string={"q": skill}).get_data(as_text=True).count('class="card"')
        for skill in SKILLS
    }
    assert sum(found.values()) == 3 * len(builders)
