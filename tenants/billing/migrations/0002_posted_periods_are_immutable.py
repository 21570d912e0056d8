from django.db import migrations

# A posted period's rows never change: corrections are recalculations in a later period.
# The database enforces it, so no code path (a bulk SQL run included) can slip past. The
# triggers are per statement with transition tables: one check per bulk insert, not per row.
FUNCTION = """
CREATE FUNCTION billing_posted_period_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM changed c JOIN billing_billingperiod p ON p.id = c.period_id WHERE p.status = 'posted'
    ) THEN
        RAISE EXCEPTION 'rows of a posted period cannot change (%)', TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
"""


def guard_triggers(table: str) -> tuple[str, str]:
    """SQL creating and dropping the guard's four statement triggers on ``table``."""
    specs = (("ins", "INSERT", "NEW"), ("upd_new", "UPDATE", "NEW"), ("upd_old", "UPDATE", "OLD"), ("del", "DELETE", "OLD"))
    create = "".join(
        f"CREATE TRIGGER {table}_guard_{name} AFTER {event} ON {table} REFERENCING {side} TABLE AS changed "
        f"FOR EACH STATEMENT EXECUTE FUNCTION billing_posted_period_guard();\n"
        for name, event, side in specs
    )
    drop = "".join(f"DROP TRIGGER {table}_guard_{name} ON {table};\n" for name, _e, _s in specs)
    return create, drop


_create, _drop = guard_triggers("billing_charge")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION billing_posted_period_guard();"),
        migrations.RunSQL(_create, _drop),
    ]
