"""gin plumbing: Keras classes made configurable, binding checks, configuration errors."""

__all__ = []
