"""The Django admin's log-in, replaced by one behind the console's lockout (mounted before
the admin's own URLs in config/urls.py)."""

from __future__ import annotations

from django.urls import path

from console.views import AdminLoginView

urlpatterns = [path("login/", AdminLoginView.as_view(), name="admin-login")]
