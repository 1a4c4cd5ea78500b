"""The monitoring app's admin: rules and channels editable (the webhook URL write-only),
incidents and notifications view-only (they are the record of what happened)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from monitoring.forms import AlertRuleForm, ChannelForm
from monitoring.models import AlertRule, Channel, Incident, Notification


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "kind", "is_active", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    readonly_fields = ("webhook_hint",)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ("name", "kind", "is_active", "provider", "connection", "threshold")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("channels",)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyModelAdmin):
    list_display = ("rule", "subject_label", "state", "opened_at", "resolved_at")
    list_filter = ("state",)
    search_fields = ("subject_label", "message")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "channel_name", "event", "status", "error")
    list_filter = ("event", "status")
    search_fields = ("channel_name",)
