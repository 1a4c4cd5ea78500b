"""Model aliases: the catalogue, its default versions and the active BYOK mapping per alias."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.forms import AliasMappingForm
from core.access import requires
from providers.models import AliasMapping, ModelAlias


def _row(alias: ModelAlias, *, editing: bool = False, saved: bool = False) -> dict:
    """One alias row: its active mapping, and the map/remap form when `editing`."""
    mapping = AliasMapping.objects.filter(alias=alias, is_active=True).first()
    form = AliasMappingForm(instance=mapping, alias=alias) if editing else None
    return {"alias": alias, "mapping": mapping, "form": form, "saved": saved}


@requires("view_config")
def alias_list(request: HttpRequest) -> HttpResponse:
    aliases = ModelAlias.objects.select_related("provider", "default_version").order_by(
        "provider__name", "key"
    )
    mappings = {
        m.alias_id: m
        for m in AliasMapping.objects.filter(is_active=True).select_related("connection")
    }
    rows = [
        {"alias": a, "mapping": mappings.get(a.pk), "form": None, "saved": False} for a in aliases
    ]
    return render(request, "console/aliases.html", {"rows": rows})


@requires("configure")
def alias_map_form(request: HttpRequest, key: str) -> HttpResponse:
    """The inline map/remap form of one alias (htmx swaps it into the alias's row)."""
    alias = get_object_or_404(ModelAlias.objects.select_related("provider"), key=key)
    return render(request, "console/_alias_row.html", {"row": _row(alias, editing=True)})


@require_POST
@requires("configure")
def alias_map(request: HttpRequest, key: str) -> HttpResponse:
    """Map or remap one alias: the active mapping is edited in place, or created."""
    alias = get_object_or_404(ModelAlias.objects.select_related("provider"), key=key)
    mapping = AliasMapping.objects.filter(alias=alias, is_active=True).first()
    form = AliasMappingForm(request.POST, instance=mapping, alias=alias)
    if form.is_valid():
        form.save()
        if not request.htmx:
            return redirect("aliases")
        return render(request, "console/_alias_row.html", {"row": _row(alias, saved=True)})
    row = {"alias": alias, "mapping": mapping, "form": form, "saved": False}
    # htmx swaps only 2xx answers: the row with its errors comes back as 200 there.
    status = 200 if request.htmx else 400
    return render(request, "console/_alias_row.html", {"row": row}, status=status)
