"""Shared state of one simulator process: seed, virtual clock, delivery engine.

Every provider package receives the same ``SimHub`` so that one seed makes a
whole run (ids, Faker data, fault choices) replayable, and one ``reset`` puts
every provider back to a clean state between scenarios.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from faker import Faker

from simulators.clock import VirtualClock

if TYPE_CHECKING:
    from simulators.delivery.engine import DeliveryEngine

DEFAULT_SEED = 20261124
StateT = TypeVar("StateT")


@dataclass
class SimHub:
    seed: int = DEFAULT_SEED
    clock: VirtualClock = field(default_factory=VirtualClock)
    engine: DeliveryEngine | None = None  # set by the server
    _reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    _rngs: dict[str, random.Random] = field(default_factory=dict)
    _fakers: dict[str, Faker] = field(default_factory=dict)
    _provider_states: dict[type, object] = field(default_factory=dict)

    def _derived_seed(self, name: str) -> int:
        digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def rng(self, name: str) -> random.Random:
        """A named random stream derived from the seed (stable across runs and unaffected by other streams)."""
        if name not in self._rngs:
            self._rngs[name] = random.Random(self._derived_seed(name))
        return self._rngs[name]

    def faker(self, name: str) -> Faker:
        if name not in self._fakers:
            fake = Faker("en_US")
            fake.seed_instance(self._derived_seed(name))
            self._fakers[name] = fake
        return self._fakers[name]

    def token_hex(self, name: str, nbytes: int = 12) -> str:
        """A deterministic hex id from the named stream (e.g. Stripe/Calendly ids)."""
        return self.rng(name).getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def provider_state(self, kind: type[StateT], create: Callable[[], StateT]) -> StateT:
        """The hub's one ``kind`` (a provider's state, shared by its app and control API), made on first use."""
        state = self._provider_states.get(kind)
        if state is None:
            state = self._provider_states[kind] = create()
        if not isinstance(state, kind):
            raise TypeError(f"the hub's {kind.__name__} slot holds a {type(state).__name__}")
        return state

    def on_reset(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = seed
        self._rngs.clear()
        self._fakers.clear()
        self.clock.reset()
        for hook in self._reset_hooks:
            hook()
