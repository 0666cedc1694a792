from __future__ import annotations

from services.registry.bootstrap import build
from services.registry.config import SERVICE
from shared.bus.main import run_service

# Not the sole writer of its store: `registry rebuild` writes it too, in sequence order (ADR 3).
run_service(SERVICE, build, 9104, sole_writer_of_store=False)
