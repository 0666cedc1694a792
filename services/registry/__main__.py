from __future__ import annotations

from shared.bus.main import run_service

from services.registry.bootstrap import build
from services.registry.config import SERVICE

run_service(SERVICE, build, 9104)
