"""Rate limits for the unauthenticated sharing endpoints, per client IP.

Rates come from settings at request time (COFFER_THROTTLE_*), so each environment
sets them without rewriting DRF's DEFAULT_THROTTLE_RATES.
"""

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


class SharingRateThrottle(ScopedRateThrottle):
    def get_rate(self):
        return settings.COFFER_SHARING_THROTTLE_RATES[self.scope]
