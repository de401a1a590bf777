from django.db.models import QuerySet
from django.http import Http404

from .models import AccessToken


def token_list(*, user) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user).order_by("-created_at")


def token_get(*, user, token_id: int) -> AccessToken:
    token = AccessToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    return token


def token_is_live(*, token_id: int) -> bool:
    """Neither revoked nor expired (nor its user deactivated)."""
    from django.db.models import Q
    from django.utils import timezone

    return AccessToken.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
        pk=token_id, revoked_at__isnull=True, user__is_active=True,
    ).exists()
