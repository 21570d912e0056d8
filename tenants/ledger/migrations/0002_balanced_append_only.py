from django.db import migrations

# The database keeps the ledger balanced and append-only, whatever code path writes to it.
#
# Balanced: after every statement that inserts legs, each transaction touched by it must sum to zero
# over all of its legs. One statement trigger with a transition table checks a bulk insert of a
# million legs in one pass. The rule it implies: a transaction's legs are inserted by one statement
# (ledger.services does so); a transaction written half in one statement is refused at once.
#
# Append-only: legs and transactions are never updated or deleted; a correction is a reversing
# transaction. TRUNCATE is left to the tables' owner (test teardown truncates every table; the
# application's database role should not own the tables in production).
SQL = """
CREATE FUNCTION ledger_legs_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT l.transaction_id INTO bad
    FROM ledger_ledgerleg l
    WHERE l.transaction_id IN (SELECT DISTINCT transaction_id FROM inserted)
    GROUP BY l.transaction_id
    HAVING SUM(l.amount) <> 0
    LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', bad USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only (%): post a reversal instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER ledger_legs_balanced AFTER INSERT ON ledger_ledgerleg
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_legs_balanced();
CREATE TRIGGER ledger_leg_append_only BEFORE UPDATE OR DELETE ON ledger_ledgerleg
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_tx_append_only BEFORE UPDATE OR DELETE ON ledger_ledgertransaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
"""

REVERSE = """
DROP TRIGGER ledger_tx_append_only ON ledger_ledgertransaction;
DROP TRIGGER ledger_leg_append_only ON ledger_ledgerleg;
DROP TRIGGER ledger_legs_balanced ON ledger_ledgerleg;
DROP FUNCTION ledger_append_only();
DROP FUNCTION ledger_legs_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
