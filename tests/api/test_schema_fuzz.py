"""Schemathesis over the OpenAPI schema: no generated request, however odd, gets a 5xx.

Runs as an administrator against the demo configuration (sandbox endpoints that are not
listening, so a call that reaches a provider fails fast, as a recorded failure, not a 500).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _operations() -> list:
    schema = schemathesis.openapi.from_dict(_schema())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def fuzz_settings(settings) -> None:
    settings.SKILLS_BACKOFF_BASE = 0.001
    settings.SKILLS_BACKOFF_CAP = 0.002


@hypothesis_settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_it_answers_every_generated_request_without_a_server_error(
    demo, fuzz_settings, client_for, data
) -> None:
    client = client_for("superuser")
    operations = _operations()
    assert len(operations) > 40  # every endpoint and action of the API
    for operation in operations:
        case = data.draw(operation.as_strategy(), label=f"{operation.method} {operation.path}")
        kwargs: dict = {}
        if not isinstance(case.body, NotSet) and case.body is not None:
            kwargs = {"data": json.dumps(case.body), "content_type": "application/json"}
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in (case.headers or {}).items()
            if k.lower() not in {"content-type", "authorization"}
        }
        response = client.generic(
            case.method,
            case.formatted_path,
            QUERY_STRING=urlencode(case.query or {}, doseq=True),
            **kwargs,
            **headers,
        )
        assert response.status_code < 500, (case.method, case.formatted_path, case.body)
