from django.db import migrations

# A posted period's charges never change: corrections are recalculations in a later period.
# The database enforces it, so no code path (a bulk SQL run included) can slip past. The
# triggers are per statement with transition tables: one check per bulk insert, not per row.
SQL = """
CREATE FUNCTION billing_charge_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM changed c JOIN billing_billingperiod p ON p.id = c.period_id WHERE p.status = 'posted'
    ) THEN
        RAISE EXCEPTION 'a posted period''s charges cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER billing_charge_guard_ins AFTER INSERT ON billing_charge
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION billing_charge_guard();
CREATE TRIGGER billing_charge_guard_upd_new AFTER UPDATE ON billing_charge
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION billing_charge_guard();
CREATE TRIGGER billing_charge_guard_upd_old AFTER UPDATE ON billing_charge
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION billing_charge_guard();
CREATE TRIGGER billing_charge_guard_del AFTER DELETE ON billing_charge
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION billing_charge_guard();
"""

REVERSE = """
DROP TRIGGER billing_charge_guard_ins ON billing_charge;
DROP TRIGGER billing_charge_guard_upd_new ON billing_charge;
DROP TRIGGER billing_charge_guard_upd_old ON billing_charge;
DROP TRIGGER billing_charge_guard_del ON billing_charge;
DROP FUNCTION billing_charge_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
