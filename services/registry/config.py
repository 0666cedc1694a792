"""The registry service's settings: the shared ones, plus its name."""

from __future__ import annotations

from shared.config import Settings

SERVICE = "registry"


def registry_url_file(settings: Settings) -> str:
    """Where the running registry writes the URL of its page, for the CLI to find."""
    return str(settings.var_dir / "registry.url")
