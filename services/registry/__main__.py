from __future__ import annotations

from services.registry.bootstrap import build
from services.registry.config import SERVICE
from shared.bus.main import run_service

run_service(SERVICE, build, 9104)
