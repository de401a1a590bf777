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
