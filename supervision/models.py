"""The supervision app's models, one module per part (statistics; signals; warnings)."""

from supervision.models_stats import RequestStat  # noqa: F401
