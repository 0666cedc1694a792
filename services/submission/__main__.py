from __future__ import annotations

from shared.bus.main import run_service

from services.submission.bootstrap import build
from services.submission.config import DEFAULT_METRICS_PORT, SERVICE

run_service(SERVICE, build, DEFAULT_METRICS_PORT)
