"""The program config: typed models, problem collection, YAML files.

``load_config(path)`` reads a YAML file (safely, resolving ``extends:``) and returns
a validated :class:`Config`; every problem is collected into one ``ConfigError``.
"""

from b2bcx.config.models import Config, Scale, load_config

__all__ = ["Config", "Scale", "load_config"]
