"""Skills: the catalogue with the provider each one uses, and a Run form per skill."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from console.forms import skill_run_form
from core.access import requires
from core.roles import has_capability
from skills.choices import Source
from skills.models import Skill
from skills.services.errors import SkillError
from skills.services.invocations import create_invocation, wait_for
from skills.services.resolution import provider_for

# How long the page waits for a worker to finish a run before showing it running: a quick
# answer shows at once; a longer one streams into the page (`invocation_live`).
RUN_WAIT_SECONDS = 1.0


@requires("view_config")
def skill_list(request: HttpRequest) -> HttpResponse:
    skills = [(s, provider_for(s)) for s in Skill.objects.order_by("group", "name")]
    return render(request, "console/skills.html", {"skills": skills})


@requires("view_config")
def skill_detail(request: HttpRequest, key: str) -> HttpResponse:
    """The skill and its Run form; POST (operators and admins) runs it and shows the result."""
    skill = get_object_or_404(Skill, key=key)
    can_run = has_capability(request.user, "run")
    form = skill_run_form(skill, request.POST if request.method == "POST" else None)
    invocation, status = None, 200
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                created = create_invocation(
                    skill.key, form.cleaned_data, user=request.user, source=Source.UI
                )
                invocation = wait_for(created.pk, RUN_WAIT_SECONDS)
            except SkillError as exc:
                form.add_error(None, exc.message)
        if not form.is_valid():
            status = 400
    context = {
        "skill": skill,
        "provider": provider_for(skill),
        "form": form,
        "can_run": can_run,
        "invocation": invocation,
    }
    return render(request, "console/skill_detail.html", context, status=status)
