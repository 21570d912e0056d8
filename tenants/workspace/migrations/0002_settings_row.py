from django.db import migrations


def create_row(apps, schema_editor):
    # Lives in the template schema, so every cloned principal starts with its settings row.
    apps.get_model("workspace", "WorkspaceSettings").objects.get_or_create(singleton=True)


class Migration(migrations.Migration):
    dependencies = [("workspace", "0001_initial")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
