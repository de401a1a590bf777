"""Grants record whether the record's label went to the app. Before this migration every
grant sent it, so existing rows say so."""

from django.db import migrations, models


def _existing_grants_sent_the_label(apps, schema_editor):
    apps.get_model("sharing", "GrantItem").objects.update(label_shared=True)


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0002_key_handle"),
    ]

    operations = [
        migrations.AddField(
            model_name="grantitem",
            name="label_shared",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(_existing_grants_sent_the_label, migrations.RunPython.noop),
    ]
