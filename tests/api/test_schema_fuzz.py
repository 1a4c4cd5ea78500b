"""Schemathesis over the OpenAPI schema: no generated request, however odd, gets a 5xx.

Runs against the demo configuration (sandbox endpoints that are not listening, so a call
that reaches a provider fails fast, as a recorded failure, not a 500). Every operation gets
a few requests that fit the schema, as a superuser. Every write (POST, PUT, PATCH, DELETE)
gets more, as a superuser or a console administrator, of three kinds: fitting the schema,
breaking it (schemathesis's negative mode: wrong types, missing fields, out-of-range
numbers), and raw bytes sent as JSON; half of them name a row that exists, so a change is
validated rather than answered 404. Each write example is rolled back after it.
Budget: 20 requests per write (500 in all) and 8 rounds of every operation, under a minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.db import transaction
from django.db.models import Model
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from providers.models import AliasMapping, Connection, Provider
from skills.models import ModelProviderPolicy, Skill, SkillVariant, VersionOverride
from skills.services import resolution_cache

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITE_EXAMPLES = 20  # per write operation
# The rows a write's path parameter may name: by the path's first segment, the field the
# API addresses them by. The connection test action is left to generated names: it would
# call the connection's provider.
REAL_ROWS: dict[str, tuple[type[Model], str]] = {
    "connections": (Connection, "name"),
    "alias-mappings": (AliasMapping, "pk"),
    "providers": (Provider, "kind"),
    "skills": (Skill, "key"),
    "skill-variants": (SkillVariant, "pk"),
    "model-provider-policies": (ModelProviderPolicy, "pk"),
    "version-overrides": (VersionOverride, "pk"),
}


@cache
def _schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


@cache
def _operations() -> tuple[Any, ...]:
    schema = schemathesis.openapi.from_dict(_schema())
    return tuple(result.ok() for result in schema.get_all_operations())


def _writes() -> list[tuple[str, str]]:
    return [(o.method.upper(), o.path) for o in _operations() if o.method.upper() in WRITE_METHODS]


@pytest.fixture
def fuzz_settings(settings) -> None:
    settings.SKILLS_BACKOFF_BASE = 0.001
    settings.SKILLS_BACKOFF_CAP = 0.002


@contextmanager
def _example() -> Iterator[None]:
    """One example's writes, rolled back after it: every example starts from the demo rows
    (so the rows it may name are the same each time hypothesis replays it)."""
    resolution_cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _send(client: Any, case: Any, raw: bytes | None = None) -> Any:
    kwargs: dict = {}
    if raw is not None:
        kwargs = {"data": raw, "content_type": "application/json"}
    elif not isinstance(case.body, NotSet) and case.body is not None:
        # Sent as JSON whatever media type the case was made for (a form's may hold bytes).
        body = json.dumps(case.body, default=lambda o: o.decode("latin-1"))
        kwargs = {"data": body, "content_type": "application/json"}
    headers = {
        f"HTTP_{k.upper().replace('-', '_')}": v
        for k, v in (case.headers or {}).items()
        if k.lower() not in {"content-type", "authorization", "content-length"}
    }
    response = client.generic(
        case.method,
        case.formatted_path,
        QUERY_STRING=urlencode(case.query or {}, doseq=True),
        **kwargs,
        **headers,
    )
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, raw)
    return response


@hypothesis_settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_it_answers_every_generated_request_without_a_server_error(
    demo, fuzz_settings, client_for, data
) -> None:
    client = client_for("superuser")
    operations = _operations()
    assert len(operations) > 40  # every endpoint and action of the API
    for operation in operations:
        _send(
            client, data.draw(operation.as_strategy(), label=f"{operation.method} {operation.path}")
        )


def test_the_write_fuzz_covers_every_write_operation() -> None:
    assert len(_writes()) >= 25
    assert {m for m, _ in _writes()} <= WRITE_METHODS


def _real_key(path: str, data: Any) -> dict[str, str]:
    """Half the time, the path parameter of an existing row (if the path names one)."""
    resource = path.removeprefix("/api/v1/").split("/")[0]
    if "{" not in path or path.endswith("/test/") or resource not in REAL_ROWS:
        return {}
    model, field = REAL_ROWS[resource]
    keys = [str(k) for k in model._default_manager.order_by(field).values_list(field, flat=True)]
    if not keys or not data.draw(st.booleans(), label="an existing row"):
        return {}
    name = path[path.index("{") + 1 : path.index("}")]
    return {name: data.draw(st.sampled_from(keys), label=name)}


@pytest.mark.parametrize(("method", "path"), _writes())
@hypothesis_settings(
    max_examples=WRITE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_every_write_answers_fitting_broken_and_raw_requests_without_a_server_error(
    demo, fuzz_settings, client_for, method: str, path: str, data
) -> None:
    # Made before the example's savepoint, so the users outlive its rollback.
    clients = {who: client_for(who) for who in ("superuser", "admin_user")}
    operation = next(o for o in _operations() if (o.method.upper(), o.path) == (method, path))
    with _example():
        client = clients[data.draw(st.sampled_from(sorted(clients)), label="as")]
        fixed = _real_key(path, data)
        kind = data.draw(st.sampled_from(["positive", "negative", "raw"]), label="kind")
        mode = GenerationMode.NEGATIVE if kind == "negative" and operation.body else None
        strategy = operation.as_strategy(mode or GenerationMode.POSITIVE, path_parameters=fixed)
        case = data.draw(strategy, label=f"{method} {path}")
        raw = data.draw(st.binary(max_size=300), label="raw body") if kind == "raw" else None
        _send(client, case, raw)
