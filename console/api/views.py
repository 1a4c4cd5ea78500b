"""Configuration import/export over REST: thin callers of console.services.config_io."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from console.services.config_io import (
    ConfigDocumentError,
    export_document,
    import_document,
    validate_document,
)
from core.audit import AuditSource
from core.permissions import RoleCapability

_ERRORS = inline_serializer(
    "ConfigErrors", {"errors": serializers.ListField(child=serializers.CharField())}
)
_TALLY = inline_serializer(
    "ConfigImportResult",
    {
        "dry_run": serializers.BooleanField(),
        "changed": serializers.BooleanField(),
        "created": serializers.DictField(child=serializers.IntegerField()),
        "updated": serializers.DictField(child=serializers.IntegerField()),
        "summary": serializers.CharField(),
    },
)


class ConfigExportView(APIView):
    """The whole configuration as the import document (never a secret)."""

    permission_classes = [RoleCapability]
    read_capability = "view_config"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(export_document(actor=request.user))


class ConfigImportView(APIView):
    """Validate the whole document, then apply it all or nothing; `?dry_run=1` only checks.

    A whole configuration may outgrow the API's body limit: this one has its own
    (`BYOK_IMPORT_MAX_BODY_BYTES`, 10 MiB by default).
    """

    permission_classes = [RoleCapability]
    write_capability = "configure"
    body_limit_setting = "BYOK_IMPORT_MAX_BODY_BYTES"

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("dry_run", bool, description="Validate only.")],
        responses={200: _TALLY, 400: _ERRORS},
    )
    def post(self, request: Request) -> Response:
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        if dry_run:
            errors = validate_document(request.data, actor=request.user)
            if errors:
                return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
            return Response(
                {"dry_run": True, "changed": False, "created": {}, "updated": {}, "summary": ""}
            )
        try:
            result = import_document(request.data, actor=request.user, source=AuditSource.API)
        except ConfigDocumentError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "dry_run": False,
                "changed": result.changed,
                "created": dict(result.tally.created),
                "updated": dict(result.tally.updated),
                "summary": result.summary(),
            }
        )
