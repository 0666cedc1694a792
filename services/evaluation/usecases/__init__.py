"""The evaluation application's use cases, one module per part of a title's life."""
