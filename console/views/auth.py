"""Log-in: Django's own view, refusing attempts for a while after repeated failures."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from core import lockout
from core.throttles import client_address


def _in_words(seconds: int) -> str:
    minutes = -(-seconds // 60)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class LoginView(auth_views.LoginView):
    """While a username or a client address is locked (core.lockout), an attempt is refused
    with 429 before the password is checked, with the same words whether or not the user
    exists."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))
        address = client_address(request)
        wait = lockout.locked_for(username, address)
        if wait:
            return self.refused(username, wait)
        form = self.get_form()
        if form.is_valid():
            lockout.record_success(username, address)
            return self.form_valid(form)
        wait = lockout.record_failure(username, address)
        if wait:
            return self.refused(username, wait)
        return self.form_invalid(form)

    def refused(self, username: str, wait: int) -> HttpResponse:
        form = self.get_form_class()(self.request, initial={"username": username})
        refusal = f"Too many failed log-in attempts. Try again in {_in_words(wait)}."
        response = self.render_to_response(self.get_context_data(form=form, refusal=refusal))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response


class AdminLoginView(LoginView):
    """The Django admin's log-in, behind the same lockout as the console's: one door each,
    one count per username and address for both."""

    template_name = "admin/login_locked.html"
    authentication_form = AdminAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request), app_path=self.request.path)
        # As the admin's own log-in: with no `next`, a signed-in user lands on its index.
        context[self.redirect_field_name] = context.get(self.redirect_field_name) or reverse(
            "admin:index"
        )
        return context
