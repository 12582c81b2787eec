"""Settings: the one typed configuration object, built at start and passed down."""

from slipstream.config.settings import OPTIONS, Config, ConfigError, Settings

__all__ = ["OPTIONS", "Config", "ConfigError", "Settings"]
