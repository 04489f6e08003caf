import pytest
from django.core.cache import cache

from diemcau.monitoring.levels import AGENT_CACHE_KEY


@pytest.fixture(autouse=True)
def fresh_agent_thresholds():
    """The agents' thresholds are cached a minute; every test starts from the standard it builds."""
    cache.delete(AGENT_CACHE_KEY)
    yield
    cache.delete(AGENT_CACHE_KEY)
