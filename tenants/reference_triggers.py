"""Reference checks per statement for tables written in bulk, in place of row-level foreign keys.

A foreign key checks each inserted row on its own (deferred: at commit). A bulk run that writes hundreds of
thousands of rows spends more on those checks than on the rows. These triggers check a statement's new rows
at once, one anti-join of its distinct keys per referenced table, and guard the referenced tables:

- after INSERT on the referencing table: a row naming a missing parent is refused with 23503
  (foreign_key_violation), naming the column and the key;
- after an UPDATE that re-points a row (a row trigger on ``UPDATE OF <columns>`` whose WHEN compares old and
  new): the same check for its new keys; other updates fire nothing;
- after DELETE on a parent: one lookup of the gone ids in the referencing table; a parent still referenced is
  refused. It first takes a SHARE lock on the referencing table, which waits for an in-flight writer to
  commit; the lookup then runs with a fresh snapshot (READ COMMITTED) and sees its rows. A writer that starts
  later waits for the delete to commit and its own check then finds the parent gone;
- after an UPDATE that changes a parent's id (WHEN the id differs): the same lookup for the old id, unless
  another row took it in the same statement;
- after TRUNCATE of a parent: refused while any referencing row remains.

Every table is named in the trigger's own schema (TG_TABLE_SCHEMA), never through the search path: bulk runs
write into a principal's schema by its qualified name while the search path is public. The checks are
immediate (end of statement), not deferred: the referencing rows are always written after their parents.

Migrations call these functions, so what they return for given arguments is part of those migrations'
history: change the SQL only under a new function name.
"""

_FUNCTIONS = """
-- TG_ARGV: pairs of (referencing column, parent table), the parent in the child's schema. Dynamic queries, so
-- each is planned for the statement's actual row count.
CREATE FUNCTION {prefix}_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    i int := 0;
    missing bigint;
BEGIN
    WHILE i < TG_NARGS LOOP
        IF TG_LEVEL = 'ROW' THEN  -- an UPDATE that re-points the row (the trigger's WHEN): its new key
            EXECUTE format('SELECT r.ref FROM (SELECT ($1).%1$I AS ref) r '
                           'WHERE r.ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %2$I.%3$I p WHERE p.id = r.ref)',
                           TG_ARGV[i], TG_TABLE_SCHEMA, TG_ARGV[i + 1])
                INTO missing USING NEW;
        ELSE
            EXECUTE format('SELECT min(k.ref) FROM (SELECT DISTINCT %1$I AS ref FROM changed '
                           'WHERE %1$I IS NOT NULL) k WHERE NOT EXISTS (SELECT 1 FROM %2$I.%3$I p WHERE p.id = k.ref)',
                           TG_ARGV[i], TG_TABLE_SCHEMA, TG_ARGV[i + 1])
                INTO missing;
        END IF;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION '%.%: % = % does not exist in %', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[i], missing,
                TG_ARGV[i + 1] USING ERRCODE = 'foreign_key_violation';
        END IF;
        i := i + 2;
    END LOOP;
    RETURN NULL;
END $$;

-- TG_ARGV[0]: the referencing table (in this table's schema), TG_ARGV[1]: its column naming this table's id.
-- Statement level for DELETE (old_rows) and TRUNCATE, row level for UPDATE OF id.
CREATE FUNCTION {prefix}_refs_parent_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    child text := format('%I.%I', TG_TABLE_SCHEMA, TG_ARGV[0]);
    gone bigint[];
    referenced bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT 1 FROM %s WHERE %I IS NOT NULL LIMIT 1', child, TG_ARGV[1]) INTO referenced;
        IF referenced IS NOT NULL THEN
            RAISE EXCEPTION 'cannot truncate %.%: % rows reference it', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    ELSIF TG_LEVEL = 'ROW' THEN
        -- an id changed (the trigger's WHEN): gone unless another row of the statement took it
        EXECUTE format('SELECT ARRAY[$1] WHERE NOT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1)',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO gone USING OLD.id;
    ELSE
        SELECT array_agg(o.id) INTO gone FROM old_rows o;
    END IF;
    IF gone IS NULL THEN
        RETURN NULL;
    END IF;
    -- wait for in-flight writers of the referencing table; the lookup below then sees what they committed
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', child);
    EXECUTE format('SELECT %1$I FROM %2$s WHERE %1$I = ANY($1) LIMIT 1', TG_ARGV[1], child)
        INTO referenced USING gone;
    IF referenced IS NOT NULL THEN
        RAISE EXCEPTION 'cannot delete or change %.% %: % rows reference it', TG_TABLE_SCHEMA, TG_TABLE_NAME,
            referenced, TG_ARGV[0] USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
"""


def reference_functions_v1(prefix: str) -> tuple[str, str]:
    """The two trigger functions, named ``<prefix>_refs_check`` and ``<prefix>_refs_parent_guard``:
    (create, drop)."""
    drop = f"DROP FUNCTION {prefix}_refs_parent_guard();\nDROP FUNCTION {prefix}_refs_check();\n"
    return _FUNCTIONS.format(prefix=prefix), drop


def reference_triggers_v1(prefix: str, child: str, references: dict[str, str], label: str) -> tuple[str, str]:
    """Triggers on ``child`` (checking ``references``: referencing column -> parent table, the same schema) and
    on each parent (guards named ``<parent>_<label>_del|rekey|trunc``): (create, drop)."""
    pairs = ", ".join(f"'{column}', '{parent}'" for column, parent in references.items())
    columns = ", ".join(references)
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in references)
    create = [
        f"CREATE TRIGGER {child}_refs_ins AFTER INSERT ON {child} REFERENCING NEW TABLE AS changed "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_refs_check({pairs});",
        f"CREATE TRIGGER {child}_refs_upd AFTER UPDATE OF {columns} ON {child} FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION {prefix}_refs_check({pairs});",
    ]
    drop = [f"DROP TRIGGER {child}_refs_ins ON {child};", f"DROP TRIGGER {child}_refs_upd ON {child};"]
    for column, parent in references.items():
        fn = f"{prefix}_refs_parent_guard('{child}', '{column}')"
        create += [
            f"CREATE TRIGGER {parent}_{label}_del AFTER DELETE ON {parent} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {fn};",
            f"CREATE TRIGGER {parent}_{label}_rekey AFTER UPDATE OF id ON {parent} FOR EACH ROW "
            f"WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {fn};",
            f"CREATE TRIGGER {parent}_{label}_trunc AFTER TRUNCATE ON {parent} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {fn};",
        ]
        drop += [f"DROP TRIGGER {parent}_{label}_{name} ON {parent};" for name in ("del", "rekey", "trunc")]
    return "\n".join(create), "\n".join(drop)
