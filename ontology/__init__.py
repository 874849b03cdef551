"""The vocabulary, SHACL shapes and reference data (registries) as files.

This package holds data only; :func:`path` finds a file in it whether fengong runs from
the checkout or from an installed wheel.
"""

from importlib import resources
from pathlib import Path


def path(name: str) -> Path:
    """Path of a data file shipped in this package, e.g. ``path("fengong.ttl")``."""
    return Path(str(resources.files(__name__).joinpath(name)))
