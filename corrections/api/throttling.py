"""The report rate, per app (not per client IP): COFFER_THROTTLE_APP_CORRECTIONS."""

from sharing.api.throttling import SharingRateThrottle


class PerAppRateThrottle(SharingRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": f"app:{request.auth.pk}"}
