from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from vault.rotation import services

from .unlocking import require_vault_keys


class RotationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["rewrap", "reencrypt"])


class RotationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(choices=["running", "done", "failed"])
    target_version = serializers.IntegerField()
    items_total = serializers.IntegerField()
    items_done = serializers.IntegerField()
    bytes_total = serializers.IntegerField()
    bytes_done = serializers.IntegerField()
    progress = serializers.FloatField(help_text="0..1, by items")
    items = serializers.DictField(child=serializers.IntegerField(), help_text="item counts by state, plus failed")
    errors = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()
    progressed_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def _output(job) -> dict:
    return RotationOutput({
        "id": job.id, "kind": job.kind, "state": job.state, "target_version": job.target_version,
        "items_total": job.items_total, "items_done": job.items_done,
        "bytes_total": job.bytes_total, "bytes_done": job.bytes_done,
        "progress": 1.0 if job.items_total == 0 else round(job.items_done / job.items_total, 4),
        "items": services.rotation_item_counts(job=job), "errors": job.errors,
        "created_at": job.created_at, "progressed_at": job.progressed_at, "finished_at": job.finished_at,
    }).data


class RotationListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "POST": VAULT_MANAGE}

    @extend_schema(responses={200: RotationOutput(many=True), **errors(401, 403)})
    def get(self, request):
        return Response([_output(job) for job in services.rotation_list(owner=request.user)[:20]])

    @extend_schema(request=RotationInput, responses={202: RotationOutput, **errors(400, 401, 403, 409, 423)})
    def post(self, request):
        data = RotationInput(data=request.data)
        data.is_valid(raise_exception=True)
        keys = require_vault_keys(request)
        job = services.rotation_start(
            user=request.user, keys=keys, kind=data.validated_data["kind"], request=request,
        )
        job.refresh_from_db()
        return Response(_output(job), status=status.HTTP_202_ACCEPTED)


class RotationDetailView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(responses={200: RotationOutput, **errors(401, 403, 404)})
    def get(self, request, job_id: str):
        return Response(_output(services.rotation_get(owner=request.user, job_id=job_id)))


class RotationResumeView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}

    @extend_schema(request=None, responses={202: RotationOutput, **errors(401, 403, 404, 409, 423)},
                   description="Runs a failed rotation again, from where each item stopped.")
    def post(self, request, job_id: str):
        require_vault_keys(request)
        job = services.rotation_get(owner=request.user, job_id=job_id)
        job = services.rotation_resume(job=job, actor=request.user, request=request)
        job.refresh_from_db()
        return Response(_output(job), status=status.HTTP_202_ACCEPTED)
