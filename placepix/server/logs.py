"""Logging setup for `placepix serve`: uvicorn's own loggers plus placepix's access log."""

from __future__ import annotations

from typing import Any


def logging_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config`: plain lines on stderr;
    access lines bare (they may already be JSON objects)."""
    level = "DEBUG" if level == "trace" else level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {"format": "%(levelname)s %(name)s: %(message)s"},
            "bare": {"format": "%(message)s"},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default"},
            "access": {"class": "logging.StreamHandler", "formatter": "bare"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "placepix": {"handlers": ["default"], "level": level, "propagate": False},
            "placepix.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
