"""tradegame on Kubernetes, as cdk8s constructs: ``synth(load("aws-us-east-1"))`` is the YAML of
one region. Kept outside ``src/``: nothing in the tradegame package imports it.
"""

from .chart import REGIONS, synth
from .config import ConfigError, RegionConfig, load

__all__ = ["REGIONS", "ConfigError", "RegionConfig", "load", "synth"]
