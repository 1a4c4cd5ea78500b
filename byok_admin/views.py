from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.models import Provider


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "byok_admin/dashboard.html", {"providers": Provider.objects.all()})
