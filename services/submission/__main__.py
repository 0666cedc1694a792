from __future__ import annotations

from services.submission.bootstrap import build
from services.submission.config import DEFAULT_METRICS_PORT, SERVICE
from shared.bus.main import run_service

run_service(SERVICE, build, DEFAULT_METRICS_PORT)
