from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_api_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="privacy_consent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="privacy notice agreed at"),
        ),
        migrations.AddField(
            model_name="user",
            name="privacy_consent_version",
            field=models.CharField(blank=True, default="", editable=False, max_length=20,
                                   verbose_name="privacy notice version agreed"),
        ),
    ]
