"""No module-level mutable state: caches belong to the objects that use them (a Renderer, an
Encoder, a TextEngine), so two of them in one process share nothing. Constant tables are
read-only mappings; the few process-wide objects there must be are listed here, with why."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from cachetools import Cache

import placepix
from placepix.caching import SizedLRU

# module.attribute -> why it may be process-wide
ALLOWED = {
    "placepix.render.default_renderer": "the Renderer of placepix.render(), as logging has its "
    "root logger; servers, tests and benchmarks build their own",
    "placepix.server.protocol._limits": "the settings one worker process reads once: uvicorn "
    "makes a protocol object per connection, from the class alone",
    "placepix.cli.batch.batch_renderer": "the Renderer of one `placepix render --from` pool "
    "process, made for its first image: the pool calls a function, not an object",
}
MUTABLE = (dict, list, set, bytearray, Cache, SizedLRU)


def modules() -> Iterator[ModuleType]:
    yield placepix
    for info in pkgutil.walk_packages(placepix.__path__, "placepix."):
        if not info.name.endswith("__main__"):  # importing it runs the command line
            yield importlib.import_module(info.name)


def shared_state(module: ModuleType) -> Iterator[str]:
    """Mutable values bound at module level, named where they are defined (an import of one
    elsewhere names the same object, reported once)."""
    for name, value in vars(module).items():
        if name.startswith("__") or f"{module.__name__}.{name}" in ALLOWED:
            continue
        if isinstance(value, MUTABLE) and not isinstance(value, type):
            yield f"{_home(module, name, value)}: {type(value).__name__}"
        elif hasattr(value, "cache_info") and value.__module__ == module.__name__:
            yield f"{module.__name__}.{name}: a cached function"


def _home(module: ModuleType, name: str, value: object) -> str:
    """The first module (in import order) that binds `value`, with its name there."""
    for other in modules():
        for other_name, other_value in vars(other).items():
            if other_value is value:
                return f"{other.__name__}.{other_name}"
    return f"{module.__name__}.{name}"


def test_no_module_holds_mutable_state() -> None:
    found = sorted({entry for module in modules() for entry in shared_state(module)})
    assert not found, "module-level mutable state:\n" + "\n".join(found)


def test_the_check_finds_a_cache_and_a_table() -> None:
    """The check itself can fail: a module with a dict and an lru_cache is reported."""
    fake = ModuleType("placepix.fake")
    exec(  # a fixed snippet: a module with shared state
        "from functools import lru_cache\nTABLE = {'a': 1}\n@lru_cache\ndef cached(x): return x\n",
        fake.__dict__,
    )
    assert sorted(shared_state(fake)) == [
        "placepix.fake.TABLE: dict",
        "placepix.fake.cached: a cached function",
    ]
