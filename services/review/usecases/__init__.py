"""The review service's use cases, one module per step of the selection after the province."""
