"""Model aliases: the catalogue, its default versions and the active BYOK mapping per alias.

The map/remap form lists what the chosen connection offers (`providers.catalog`, a live call
through the adapter) and falls back to free text, saying why, when the list cannot be read.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from console.forms import AliasMappingForm
from core.access import requires
from providers import catalog
from providers.models import AliasMapping, Connection, ModelAlias


def _listing(
    form: AliasMappingForm, alias: ModelAlias, connection_id: Any
) -> tuple[Connection | None, catalog.Listing | None]:
    """What the chosen (or only) connection offers; None when no connection is chosen."""
    connections = form.fields["connection"].queryset  # type: ignore[attr-defined]
    chosen: Connection | None = None
    wanted = str(connection_id or "")
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 19:  # "²".isdigit() is true
        chosen = connections.filter(pk=int(wanted)).first()
    elif not wanted and connections.count() == 1:
        chosen = connections.first()
    if chosen is None:
        return None, None
    return chosen, catalog.list_models(chosen, capability=alias.capability)


def _edit_row(
    alias: ModelAlias,
    mapping: AliasMapping | None,
    data: Any = None,
    connection_id: Any = None,
) -> dict:
    """The map/remap form of one alias, its picker filled from the chosen connection."""
    probe = AliasMappingForm(instance=mapping, alias=alias)
    if connection_id is None and mapping is not None:
        connection_id = mapping.connection_id
    chosen, listing = _listing(probe, alias, connection_id)
    initial = {"connection": chosen.pk} if chosen is not None and data is None else None
    form = AliasMappingForm(data, instance=mapping, alias=alias, listing=listing, initial=initial)
    form.fields["connection"].widget.attrs.update(
        {
            "hx-get": reverse("alias_map_form", args=[alias.key]),
            "hx-trigger": "change",
            "hx-target": f"#alias-{alias.key}",
            "hx-swap": "outerHTML",
            "hx-include": "this",
        }
    )
    return {"alias": alias, "mapping": mapping, "form": form, "saved": False, "listing": listing}


def _row(alias: ModelAlias, *, saved: bool = False) -> dict:
    mapping = AliasMapping.objects.filter(alias=alias, is_active=True).first()
    return {"alias": alias, "mapping": mapping, "form": None, "saved": saved}


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
    """The inline map/remap form of one alias (htmx swaps it into the alias's row); choosing
    another connection asks for it again with `?connection=` to list that one's models."""
    alias = get_object_or_404(ModelAlias.objects.select_related("provider"), key=key)
    mapping = AliasMapping.objects.filter(alias=alias, is_active=True).first()
    row = _edit_row(alias, mapping, connection_id=request.GET.get("connection"))
    return render(request, "console/_alias_row.html", {"row": row})


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
    # Shown again with its picker (the list read anew) and its errors.
    row = _edit_row(alias, mapping, data=request.POST, connection_id=request.POST.get("connection"))
    row["form"].is_valid()
    # htmx swaps only 2xx answers: the row with its errors comes back as 200 there.
    status = 200 if request.htmx else 400
    return render(request, "console/_alias_row.html", {"row": row}, status=status)
