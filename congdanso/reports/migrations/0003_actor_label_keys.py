"""Timeline actor labels stored as role keys (translated when shown) instead of Vietnamese text."""

from django.db import migrations

OLD_TO_KEY = {
    "Người phản ánh": "@reporter",
    "Người dân": "@resident",
    "Hệ thống": "@system",
    "Ban điều phối phản ánh": "@coordinator",
}
CHANNEL_LABELS = {"Ứng dụng": "app", "Cổng thông tin": "web", "Đường dây nóng 1022": "hotline",
                  "Thư điện tử": "email", "Zalo": "zalo", "Hệ thống liên kết (Open311)": "open311"}


def forwards(apps, schema_editor):
    event_model = apps.get_model("reports", "ReportEvent")
    for old, key in OLD_TO_KEY.items():
        event_model.objects.filter(actor_label=old).update(actor_label=key)
    for old, code in CHANNEL_LABELS.items():
        event_model.objects.filter(actor_label=old, kind="submitted").update(actor_label=f"@channel:{code}")


def backwards(apps, schema_editor):
    event_model = apps.get_model("reports", "ReportEvent")
    for old, key in OLD_TO_KEY.items():
        event_model.objects.filter(actor_label=key).update(actor_label=old)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_cell")]
    operations = [migrations.RunPython(forwards, backwards)]
