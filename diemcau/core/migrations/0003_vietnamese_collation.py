"""The ``vi`` collation: Vietnamese alphabetical order on PostgreSQL (ICU).

SQLite gets the same collation from Python on every connection
(diemcau.lib.collation.register_sqlite_collation), so nothing is done there.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE COLLATION IF NOT EXISTS \"vi\" (provider = icu, locale = 'vi')")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP COLLATION IF EXISTS "vi"')


class Migration(migrations.Migration):

    dependencies = [("core", "0002_heartbeat")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
