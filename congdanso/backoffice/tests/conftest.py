"""Report fixtures reused for the desk (imported fixtures are registered by pytest)."""

from congdanso.reports.tests.conftest import _media_and_cache, category  # noqa: F401
