"""The charge run's output tables check their references per statement, not per row.

billing_charge and billing_balance had Django's foreign keys: DEFERRABLE INITIALLY DEFERRED, so
every inserted row queued three row-level RI checks, run one by one at commit. At 80,000 lines a
principal (and as many balances) they cost more than computing and writing the lines together.

They are replaced by triggers that keep the same guarantee set-based:

- after INSERT or UPDATE on a line table: one anti-join per parent over the statement's
  transition table; a line naming a missing period, account or service is refused
  (SQLSTATE 23503, foreign_key_violation, as the foreign key did);
- after DELETE or UPDATE on a parent (period, account, service): one semi-join of the gone ids
  against both line tables; a parent still referenced is refused. It first takes SHARE locks on
  the line tables, which waits for an in-flight run to commit; the check then runs with a fresh
  snapshot (READ COMMITTED, Django's level) and sees the run's lines. A run that starts later waits
  for the delete to commit, and its own check then sees the parent gone. (Under REPEATABLE READ the
  parent-side check keeps its old snapshot and could miss lines committed meanwhile: the foreign key
  raised a serialization failure there. Nothing here runs above READ COMMITTED.)
- after TRUNCATE of a parent: refused while any line remains (a truncated parent orphans them all).

Unlike the foreign keys these checks are immediate (end of statement), not deferred to commit:
nothing writes lines before their parents.

The service indexes go: no query looks lines up by service alone (tenants/billing/selectors.py,
graphql_api/billing); deleting a service, a rare act, scans instead.
"""

import django.db.models.deletion
from django.db import migrations, models

LINE_TABLES = ("billing_charge", "billing_balance")
# parent table -> the referencing column in each line table
PARENTS = {
    "billing_billingperiod": "period_id",
    "billing_personalaccount": "account_id",
    "billing_service": "service_id",
}

FUNCTIONS = """
-- The queries are dynamic (EXECUTE) so each is planned for the statement's actual row count: a plan cached
-- for a one-row insert (nested loop over the parent's index) would cost 8x more than a hash anti-join at 80k.
CREATE FUNCTION billing_line_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing_account bigint;
    missing_service bigint;
    missing_period bigint;
BEGIN
    EXECUTE 'SELECT min(c.account_id) FROM changed c
             WHERE NOT EXISTS (SELECT 1 FROM billing_personalaccount p WHERE p.id = c.account_id)'
        INTO missing_account;
    -- a run's lines share one period and a few services: check the distinct pairs
    EXECUTE 'WITH k AS (SELECT service_id, period_id FROM changed GROUP BY service_id, period_id)
             SELECT (SELECT min(k.service_id) FROM k
                     WHERE NOT EXISTS (SELECT 1 FROM billing_service p WHERE p.id = k.service_id)),
                    (SELECT min(k.period_id) FROM k
                     WHERE NOT EXISTS (SELECT 1 FROM billing_billingperiod p WHERE p.id = k.period_id))'
        INTO missing_service, missing_period;
    IF missing_account IS NOT NULL THEN
        RAISE EXCEPTION '%: account % does not exist', TG_TABLE_NAME, missing_account
            USING ERRCODE = 'foreign_key_violation';
    ELSIF missing_service IS NOT NULL THEN
        RAISE EXCEPTION '%: service % does not exist', TG_TABLE_NAME, missing_service
            USING ERRCODE = 'foreign_key_violation';
    ELSIF missing_period IS NOT NULL THEN
        RAISE EXCEPTION '%: period % does not exist', TG_TABLE_NAME, missing_period
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

-- TG_ARGV[0]: the column of billing_charge and billing_balance that references this table
CREATE FUNCTION billing_line_parent_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    line_table text;
    gone bigint[];
    referenced bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM billing_charge) OR EXISTS (SELECT 1 FROM billing_balance) THEN
            RAISE EXCEPTION 'cannot truncate %: charge or balance lines reference it', TG_TABLE_NAME
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(o.id) INTO gone FROM old_rows o;
    ELSE  -- UPDATE: only ids that changed matter
        SELECT array_agg(o.id) INTO gone FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id);
    END IF;
    IF gone IS NULL THEN
        RETURN NULL;
    END IF;
    -- wait for in-flight writers of lines; the queries below then see what they committed
    LOCK TABLE billing_charge, billing_balance IN SHARE MODE;
    FOREACH line_table IN ARRAY ARRAY['billing_charge', 'billing_balance'] LOOP
        EXECUTE format('SELECT %1$I FROM %2$I WHERE %1$I = ANY($1) LIMIT 1', TG_ARGV[0], line_table)
            INTO referenced USING gone;
        IF referenced IS NOT NULL THEN
            RAISE EXCEPTION 'cannot delete or change % %: % lines reference it', TG_TABLE_NAME, referenced, line_table
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
"""
DROP_FUNCTIONS = "DROP FUNCTION billing_line_parent_guard();\nDROP FUNCTION billing_line_refs_check();\n"


def _triggers() -> tuple[str, str]:
    create, drop = [], []
    for table in LINE_TABLES:
        for name, event in (("refs_ins", "INSERT"), ("refs_upd", "UPDATE")):
            create.append(
                f"CREATE TRIGGER {table}_{name} AFTER {event} ON {table} REFERENCING NEW TABLE AS changed "
                f"FOR EACH STATEMENT EXECUTE FUNCTION billing_line_refs_check();"
            )
            drop.append(f"DROP TRIGGER {table}_{name} ON {table};")
    for table, column in PARENTS.items():
        fn = f"billing_line_parent_guard('{column}')"
        create += [
            f"CREATE TRIGGER {table}_lines_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn};",
            f"CREATE TRIGGER {table}_lines_upd AFTER UPDATE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn};",
            f"CREATE TRIGGER {table}_lines_trunc AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {fn};",
        ]
        drop += [f"DROP TRIGGER {table}_lines_{name} ON {table};" for name in ("del", "upd", "trunc")]
    return "\n".join(create), "\n".join(drop)


_create, _drop = _triggers()


def _line_fields(model_name: str, related_name: str) -> list[migrations.AlterField]:
    return [
        migrations.AlterField(
            model_name=model_name, name="period",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE, related_name=related_name,
                                    to="billing.billingperiod"),
        ),
        migrations.AlterField(
            model_name=model_name, name="account",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name=related_name, to="billing.personalaccount"),
        ),
        migrations.AlterField(
            model_name=model_name, name="service",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="billing.service"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_drop_redundant_period_indexes")]

    operations = [
        # the triggers first: the references stay checked from the moment the foreign keys go
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(_create, _drop),
        *_line_fields("charge", "charges"),
        *_line_fields("balance", "balances"),
    ]
