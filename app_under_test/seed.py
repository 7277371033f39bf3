"""Fill a demo marketplace with realistic, reproducible data (Faker, fixed seed).

Every builder gets one free, one pathway and one paid session type, and works
in a different time zone so the slot picker's conversions are visible at once.
"""

from __future__ import annotations

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app_under_test.catalog import BuilderSpec, SessionTypeSpec, add_builder, add_pathway
from app_under_test.models import Builder, Pathway

DEMO_SEED = 4242
ZONES = [
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "America/Sao_Paulo",
]
SKILLS = [
    "python",
    "product design",
    "fundraising",
    "react",
    "data engineering",
    "devops",
    "go-to-market",
    "machine learning",
    "mobile apps",
    "hiring",
    "postgres",
    "pricing",
]
PATHWAYS = [
    ("Career change into tech", "For people moving into software from another field."),
    ("First-time founder", "From idea to first paying customers."),
    ("Senior to staff engineer", "Scope, influence and technical strategy."),
    ("Design systems", "Building and running a design system."),
]
PRICES = [("usd", 7500), ("gbp", 6000), ("eur", 9000), ("usd", 12000)]


def seed_demo(session: Session, *, seed: int = DEMO_SEED, builders: int = 6) -> int:
    """Create the demo data unless it is there already; returns the number of builders created."""
    if session.scalar(select(func.count(Builder.id))):
        return 0
    fake = Faker("en_US")
    fake.seed_instance(seed)
    if not session.scalar(select(func.count(Pathway.id))):
        for name, description in PATHWAYS:
            add_pathway(session, name, description)
    for index in range(builders):
        name = fake.unique.name()
        currency, price = PRICES[index % len(PRICES)]
        skills = fake.random_elements(SKILLS, length=3, unique=True)
        add_builder(
            session,
            BuilderSpec(
                name=name,
                timezone=ZONES[index % len(ZONES)],
                email=f"{name.split()[0].lower()}.{index}@builders.example.com",
                headline=fake.catch_phrase(),
                bio=" ".join(fake.paragraphs(nb=2)),
                skills=list(skills),
                session_types=[
                    SessionTypeSpec("Intro call", "free", 30, description="A short first conversation."),
                    SessionTypeSpec(
                        "Pathway mentoring",
                        "pathway",
                        45,
                        description="Mentoring along one of the marketplace pathways.",
                    ),
                    SessionTypeSpec(
                        "Deep-dive session",
                        "paid",
                        60,
                        price_cents=price,
                        currency=currency,
                        description="An hour on your hardest problem.",
                    ),
                ],
            ),
        )
    return builders
