from django.contrib import admin

from posventa.common.admin import ReadOnlyInline
from posventa.engine.models import (
    HumanTask,
    MessageSubscription,
    ProcessInstance,
    ProcessVersion,
    TaskEvent,
)


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin):
    """Deployed versions are immutable: read only, deployed by `deploy_procedures`."""

    list_display = ("process_id", "version", "name", "deployed_at", "checksum")
    list_filter = ("process_id",)
    readonly_fields = (
        "process_id",
        "name",
        "version",
        "checksum",
        "main_file",
        "deployed_at",
        "sources",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HumanTaskInline(ReadOnlyInline):
    model = HumanTask
    fields = ("name", "role", "assignee", "created_at", "due_at")


class TaskEventInline(ReadOnlyInline):
    model = TaskEvent
    fields = ("name", "kind", "lane", "started_at", "ended_at", "actor")


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = (
        "business_key",
        "version",
        "status",
        "started_at",
        "completed_at",
        "next_timer_at",
    )
    list_filter = ("status", "version__process_id")
    search_fields = ("business_key",)
    list_select_related = ("version",)
    readonly_fields = (
        "version",
        "business_key",
        "status",
        "result",
        "started_at",
        "completed_at",
        "next_timer_at",
    )
    exclude = ("state",)
    inlines = [HumanTaskInline, TaskEventInline]

    def has_add_permission(self, request):
        return False


@admin.register(HumanTask)
class HumanTaskAdmin(admin.ModelAdmin):
    list_display = ("name", "instance", "role", "assignee", "created_at", "due_at")
    list_filter = ("role",)
    search_fields = ("instance__business_key", "name")
    list_select_related = ("instance__version", "assignee")
    readonly_fields = (
        "instance",
        "task_id",
        "bpmn_id",
        "name",
        "lane",
        "role",
        "form_key",
        "created_at",
        "due_at",
        "instructions",
        "properties",
    )
    raw_id_fields = ("assignee",)


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ("name", "instance", "kind", "lane", "started_at", "ended_at", "actor")
    list_filter = ("kind", "lane")
    search_fields = ("instance__business_key",)
    list_select_related = ("instance__version", "actor")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MessageSubscription)
class MessageSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("message_name", "correlation", "instance")
    search_fields = ("message_name", "correlation", "instance__business_key")
    list_select_related = ("instance__version",)
