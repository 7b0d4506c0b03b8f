from __future__ import annotations

from django.contrib import admin

from congdanso.notifications.models import Delivery, Notification, PushSubscription, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "available_at", "sent_at", "delivered_at", "last_error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "title", "read_at")
    list_filter = ("kind", "urgent")
    search_fields = ("object_id", "title")
    raw_id_fields = ("recipient", "actor")
    readonly_fields = ("created_at", "read_at")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "status", "attempts", "available_at", "sent_at", "last_error")
    list_filter = ("channel", "status")
    raw_id_fields = ("notification", "subscription")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_success_at", "user_agent")
    raw_id_fields = ("user",)
    readonly_fields = ("endpoint_hash",)
