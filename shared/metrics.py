"""The Prometheus metrics every service exposes on ``/metrics``, labelled by ``service``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

EVENTS_CONSUMED = Counter(
    "demobase_events_consumed_total", "Messages processed from a stream", ["service", "stream"]
)
EVENTS_PUBLISHED = Counter(
    "demobase_events_published_total", "Integration events the relay published", ["service"]
)
EVENTS_REJECTED = Counter(
    "demobase_events_rejected_total", "Attempts refused, by reason", ["service", "reason"]
)
HANDLER_SECONDS = Histogram(
    "demobase_handler_seconds",
    "Time to handle one message, commit included",
    ["service", "stream"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
RELAY_LAG = Gauge(
    "demobase_relay_lag_events", "Events stored in the service but not yet published", ["service"]
)
RELAY_OUT_OF_ORDER = Counter(
    "demobase_relay_out_of_order_total",
    "Events stored on the log as new behind an earlier one whose publish failed",
    ["service"],
)
TRANSIENT_RETRIES = Counter(
    "demobase_transient_retries_total",
    "Messages (or batches) taken again after a transient fault of the store or the bus",
    ["service", "stream"],
)
CONSUMER_LAG = Gauge(
    "demobase_consumer_lag_messages",
    "Messages on the stream not yet processed",
    ["service", "stream"],
)
WRITER_ACTIVE = Gauge(
    "demobase_writer_active",
    "1 while this process is its service's writer, 0 while it stands by (ADR 19)",
    ["service"],
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve ``/metrics`` on ``host:port``, or on a free port if that one is taken; return it."""
    try:
        server, _thread = start_http_server(port, addr=host)
    except OSError:
        server, _thread = start_http_server(0, addr=host)
    return int(server.server_port)
