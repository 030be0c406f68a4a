"""Shared pytest setup.

Hypothesis profiles (``HYPOTHESIS_PROFILE=thorough`` for long runs), and one private home for the
whole run: no test reads or writes the developer's (or the CI machine's) default database or data
store, whatever ``$TRADEGAME_DB``, ``$TRADEGAME_DATA`` or ``$XDG_DATA_HOME`` say.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_ISOLATED = ("TRADEGAME_DB", "TRADEGAME_DATA", "XDG_DATA_HOME")


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _ISOLATED}
    for name in _ISOLATED:
        os.environ.pop(name, None)
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
