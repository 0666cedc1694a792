"""Bus wiring: the embedded server, the streams, the outbox relay and the tracked consumer."""
