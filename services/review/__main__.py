from __future__ import annotations

from shared.bus.main import run_service

from services.review.bootstrap import build
from services.review.config import DEFAULT_METRICS_PORT, SERVICE

run_service(SERVICE, build, DEFAULT_METRICS_PORT)
