"""Synthetic data at the scale the product is built for (DESIGN.md, "Scale it is built for").

``scale_data_generate`` creates principals ``<prefix>_001`` … (cloned from the template by
``principal_create``), their houses and premises in the public registry, and in each principal's
schema: 8 services with dated tariffs (cold water changes tariff on the 16th of ``month``),
norms, personal accounts, occupancy, account services, meters for ~70 % of the water and
electricity accounts and readings (previous and current month) for ~85 % of those meters.

Every row is written set-based: ``INSERT … SELECT … FROM generate_series`` in PostgreSQL, one
statement per table and principal. Random values come from ``hashint8extended`` of the account's
global number and the seed, so a seed always gives the same data, whatever the order of work.

One transaction per principal: a principal is either fully loaded or untouched. A principal that
already holds the expected accounts and services is skipped, so running again with the same
arguments adds nothing; one holding something else is refused.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django_tenants.utils import schema_context

from billing_core.requisites import account_with_control_key, inn_with_check_digits, ogrn_with_check_digit

SERVICES_PER_ACCOUNT = 8
FLATS_PER_HOUSE = 80
METER_SHARE = 0.70
READ_SHARE = 0.85
REGION, CITY = "Тестовая область", "Масштабск"
BIC = "044525225"
CORR = "30101810400000000225"

# code, kind, name, unit, tariff_kind, norm_basis, sort_order; the order is the sort order
SERVICES = (
    ("maint", "maintenance", "Содержание и текущий ремонт", "м²", "per_area", ""),
    ("capital", "capital_repair", "Взнос на капитальный ремонт", "м²", "per_area", ""),
    ("heat", "heating", "Отопление", "м²", "per_area", ""),
    ("cold", "cold_water", "Холодное водоснабжение", "м³", "per_unit", "person"),
    ("drain", "drainage", "Водоотведение", "м³", "per_unit", "person"),
    ("hot", "hot_water", "Горячее водоснабжение", "м³", "two_component_hot_water", "person"),
    ("elec", "electricity", "Электроснабжение", "кВт·ч", "per_unit", "person"),
    ("waste", "waste", "Обращение с ТКО", "чел.", "per_person", ""),
)
METERED = ("cold", "hot", "elec")
# this year's rates; last year's are 8 % lower. cold water: 45.00 to the 15th of the month, then 48.60
RATES = {"maint": "32.50", "capital": "14.20", "heat": "52.80", "cold": "45.00", "drain": "38.70",
         "elec": "6.43", "waste": "120.37"}
COLD_NEW_RATE = "48.60"
HOT = {"cold_component_rate": "45.00", "heat_rate": "2500.00", "heat_norm": "0.060000"}
# norm per person a month, uplift coefficient without a meter (drainage has none)
NORMS = {"cold": ("4.900000", "1.500"), "drain": ("8.500000", "1.000"), "hot": ("3.600000", "1.500"),
         "elec": ("90.000000", "1.500")}

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pg_temp.scale_u(k bigint, salt int, seed int) RETURNS float8
LANGUAGE sql IMMUTABLE AS
$$ SELECT (hashint8extended(k, seed::int8 * 1000 + salt) & 2147483647)::float8 / 2147483648.0 $$;
CREATE OR REPLACE FUNCTION pg_temp.scale_z(k bigint, salt int, seed int) RETURNS float8
LANGUAGE sql IMMUTABLE AS
$$ SELECT sqrt(-2 * ln(1 - pg_temp.scale_u(k, salt, seed)))
          * cos(2 * pi() * pg_temp.scale_u(k, salt + 500, seed)) $$;
"""

# One row per account to load: its random attributes, computed once from its global number g.
_ACCOUNTS_TMP = """
CREATE TEMP TABLE scale_acc ON COMMIT DROP AS
SELECT n, g,
       %(number_prefix)s || lpad(n::text, 7, '0') AS number,
       ((n - 1) / %(per_house)s + 1)::text AS house_no,
       (mod(n - 1, %(per_house)s) + 1)::text AS flat,
       (mod(n - 1, %(per_house)s)) / 4 + 1 AS floor,
       greatest(25, least(120, round(exp(ln(52) + 0.38 * pg_temp.scale_z(g, 1, %(seed)s))::numeric, 2))) AS area,
       CASE WHEN u < 0.22 THEN 1 WHEN u < 0.52 THEN 2 WHEN u < 0.77 THEN 3 WHEN u < 0.93 THEN 4 ELSE 5 END
           AS persons,
       pg_temp.scale_u(g, 3, %(seed)s) < 0.10 AS living_unknown,
       %(month)s::date - (730 + floor(pg_temp.scale_u(g, 4, %(seed)s) * 3650))::int AS opened_on,
       (ARRAY['Иванов И. И.', 'Петрова А. С.', 'Смирнов П. В.', 'Кузнецова Е. Н.', 'Попов Д. А.',
              'Васильева О. И.', 'Соколов М. Ю.', 'Михайлова Т. Г.', 'Новиков С. Р.', 'Фёдорова Н. К.'])
           [1 + mod(g, 10)] AS payer_name
FROM (
    SELECT n, %(offset)s::bigint + n AS g, pg_temp.scale_u(%(offset)s::bigint + n, 2, %(seed)s) AS u
    FROM generate_series(1, %(count)s) n
) s
"""

_HOUSES = """
INSERT INTO registry_house (region, city, street, house_number, building, postal_code, total_area, floors)
SELECT %(region)s, %(city)s, %(street)s, h::text, '', '150000', NULL, 9 + mod(h, 3) * 4
FROM generate_series(1, %(houses)s) h
ORDER BY h
ON CONFLICT DO NOTHING
"""

_PREMISES = """
INSERT INTO registry_premise (house_id, number, kind, area, floor, rooms)
SELECT h.id, t.flat, 'flat', t.area, t.floor, least(4, greatest(1, floor(t.area / 22)::int))
FROM scale_acc t
JOIN registry_house h ON h.region = %(region)s AND h.city = %(city)s AND h.street = %(street)s
                     AND h.house_number = t.house_no AND h.building = ''
ORDER BY t.n
ON CONFLICT DO NOTHING
"""

_ACCOUNTS = """
INSERT INTO billing_personalaccount
    (number, premise_id, unified_account_id, payer_name, ownership_share, charge_area, opened_on, closed_on)
SELECT t.number, p.id, NULL, t.payer_name, 1, t.area, t.opened_on, NULL
FROM scale_acc t
JOIN registry_house h ON h.region = %(region)s AND h.city = %(city)s AND h.street = %(street)s
                     AND h.house_number = t.house_no AND h.building = ''
JOIN registry_premise p ON p.house_id = h.id AND p.number = t.flat
ORDER BY t.n
"""

_ACCOUNT_IDS = """
ALTER TABLE scale_acc ADD COLUMN account_id bigint;
UPDATE scale_acc t SET account_id = a.id FROM billing_personalaccount a WHERE a.number = t.number;
"""

_OCCUPANCY = """
INSERT INTO billing_occupancy (account_id, valid_from, valid_to, registered, living)
SELECT t.account_id, t.opened_on, NULL, t.persons, CASE WHEN t.living_unknown THEN 0 ELSE t.persons END
FROM scale_acc t
ORDER BY t.n
"""

_ACCOUNT_SERVICES = """
INSERT INTO billing_accountservice (account_id, service_id, valid_from, valid_to)
SELECT t.account_id, s.id, t.opened_on, NULL
FROM scale_acc t CROSS JOIN billing_service s
WHERE s.code = ANY(%(codes)s)
ORDER BY t.n, s.sort_order
"""

_METERS = """
INSERT INTO billing_meter
    (account_id, house_id, service_id, serial, zones, digit_capacity, installed_on, verified_until, archived_at)
SELECT t.account_id, NULL, s.id, upper(s.code) || '-' || t.number, 1, CASE s.code WHEN 'elec' THEN 6 ELSE 5 END,
       t.opened_on + 30, %(month)s::date + (365 + floor(pg_temp.scale_u(t.g * 16 + s.sort_order, 9, %(seed)s)
                                                      * 1800))::int,
       NULL
FROM scale_acc t JOIN billing_service s ON s.code = ANY(%(metered)s)
WHERE pg_temp.scale_u(t.g * 16 + s.sort_order, 5, %(seed)s) < %(meter_share)s
ORDER BY t.n, s.sort_order
"""

# Previous month's reading for every meter; this month's for ~85 %. Consumption: water 2–15 m³
# (cold median 6.5, hot 4.2), electricity 40–600 kWh (median 160).
_READINGS = """
WITH r AS (
    SELECT m.id AS meter_id, k,
           round((pg_temp.scale_u(k, 6, %(seed)s) * CASE s.code WHEN 'elec' THEN 30000 ELSE 900 END + 1)::numeric, 3)
               AS previous,
           CASE s.code
               WHEN 'cold' THEN greatest(2, least(15, round(exp(ln(6.5) + 0.45 * pg_temp.scale_z(k, 7, %(seed)s))
                                                            ::numeric, 3)))
               WHEN 'hot' THEN greatest(2, least(15, round(exp(ln(4.2) + 0.45 * pg_temp.scale_z(k, 7, %(seed)s))
                                                           ::numeric, 3)))
               ELSE greatest(40, least(600, round(exp(ln(160) + 0.5 * pg_temp.scale_z(k, 7, %(seed)s))::numeric, 1)))
           END AS consumption,
           pg_temp.scale_u(k, 8, %(seed)s) < %(read_share)s AS read_now,
           (ARRAY['cabinet', 'portal', 'file', 'api'])[1 + floor(pg_temp.scale_u(k, 10, %(seed)s) * 4)::int] AS source,
           19 + floor(pg_temp.scale_u(k, 11, %(seed)s) * 7)::int AS day
    FROM scale_acc t
    JOIN billing_meter m ON m.account_id = t.account_id
    JOIN billing_service s ON s.id = m.service_id,
    LATERAL (SELECT t.g * 16 + s.sort_order AS k) key
)
INSERT INTO billing_reading (meter_id, period, zone, value, reading_date, source, flagged, created_at)
SELECT meter_id, period, 1, value, reading_date, source, FALSE, now()
FROM (
    SELECT meter_id, %(previous_month)s::date AS period, previous AS value,
           %(previous_month)s::date + day AS reading_date, source
    FROM r
    UNION ALL
    SELECT meter_id, %(month)s::date, previous + consumption, %(month)s::date + day, source
    FROM r WHERE read_now
) x
ORDER BY meter_id, period
"""

_ANALYZE = ("billing_service", "billing_tariff", "billing_norm", "billing_personalaccount", "billing_occupancy",
            "billing_accountservice", "billing_meter", "billing_reading")


@dataclass
class PrincipalLoad:
    schema_name: str
    accounts: int
    created: bool = False
    skipped: bool = False
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class ScaleReport:
    principals: list[PrincipalLoad] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for load in self.principals:
            for table, n in load.rows.items():
                total[table] = total.get(table, 0) + n
        return total

    @property
    def created(self) -> int:
        return sum(p.created for p in self.principals)

    @property
    def loaded(self) -> int:
        return sum(not p.skipped for p in self.principals)


def schema_name_for(prefix: str, index: int) -> str:
    return f"{prefix}_{index:03d}"


def street_for(schema_name: str) -> str:
    return f"ул. Нагрузочная ({schema_name})"


def _requisites(prefix: str, index: int) -> dict:
    n = 8_000_000 + zlib.crc32(prefix.encode()) % 500 * 1000 + index
    return {
        "kind": "management_company",
        "legal_name": f"ООО «Нагрузочная УК {prefix} {index:03d}»",
        "short_name": f"УК {prefix} {index:03d}",
        "inn": inn_with_check_digits(f"77{n:07d}"),
        "kpp": "770101001",
        "ogrn": ogrn_with_check_digit(f"10277{n:07d}"),
        "bank_name": "ПАО Сбербанк",
        "bic": BIC,
        "settlement_account": account_with_control_key(f"40702810{n:012d}", BIC),
        "correspondent_account": CORR,
    }


def _split(accounts: int, principals: int) -> list[int]:
    base, extra = divmod(accounts, principals)
    return [base + (1 if i < extra else 0) for i in range(principals)]


def _principal_ensure(prefix: str, index: int):
    from agency.principals.services import principal_create
    from tenants.models import Principal

    schema = schema_name_for(prefix, index)
    principal = Principal.objects.filter(schema_name=schema).first()
    if principal is not None:
        return principal, False
    principal = principal_create(schema_name=schema, subdomain=schema.replace("_", "-"), **_requisites(prefix, index))
    connection.set_schema_to_public()
    return principal, True


def _values(rows: list[tuple], template: str) -> tuple[str, list]:
    return ", ".join([template] * len(rows)), [v for row in rows for v in row]


def _catalogue(cursor, month: date) -> dict[str, int]:
    """The 8 services, their dated tariffs and norms: three statements."""
    rows: dict[str, int] = {}
    values, params = _values([(*s, i + 1) for i, s in enumerate(SERVICES)], "(%s, %s, %s, %s, %s, %s, %s, TRUE)")
    cursor.execute(
        "INSERT INTO billing_service (code, kind, name, unit, tariff_kind, norm_basis, sort_order, is_active) "  # noqa: S608
        f"VALUES {values}",
        params,
    )
    rows["billing_service"] = cursor.rowcount

    this_year, last_year = date(month.year, 1, 1), date(month.year - 1, 1, 1)
    last_year_end = this_year - timedelta(days=1)
    cut = month + timedelta(days=15)  # the 16th: the mid-period change
    tariffs = []
    for code, *_rest in SERVICES:
        if code == "hot":
            now = (HOT["cold_component_rate"], HOT["heat_rate"], HOT["heat_norm"])
            before = ("41.40", "2300.00", HOT["heat_norm"])
            tariffs += [(code, last_year, last_year_end, "0", *before), (code, this_year, None, "0", *now)]
            continue
        rate = RATES[code]
        last = f"{float(rate) * 0.92:.2f}"
        tariffs.append((code, last_year, last_year_end, last, None, None, None))
        if code == "cold":
            tariffs += [(code, this_year, cut - timedelta(days=1), rate, None, None, None),
                        (code, cut, None, COLD_NEW_RATE, None, None, None)]
        else:
            tariffs.append((code, this_year, None, rate, None, None, None))
    values, params = _values(tariffs, "(%s, %s::date, %s::date, %s::numeric, %s::numeric, %s::numeric, %s::numeric)")
    cursor.execute(
        "INSERT INTO billing_tariff (service_id, valid_from, valid_to, rate, cold_component_rate, heat_rate, "  # noqa: S608
        "heat_norm) SELECT s.id, v.valid_from, v.valid_to, v.rate, v.cold, v.heat_rate, v.heat_norm "
        f"FROM (VALUES {values}) v(code, valid_from, valid_to, rate, cold, heat_rate, heat_norm) "
        "JOIN billing_service s ON s.code = v.code ORDER BY s.sort_order, v.valid_from",
        params,
    )
    rows["billing_tariff"] = cursor.rowcount

    norms = [(code, last_year, value, uplift) for code, (value, uplift) in NORMS.items()]
    values, params = _values(norms, "(%s, %s::date, %s::numeric, %s::numeric)")
    cursor.execute(
        "INSERT INTO billing_norm (service_id, valid_from, valid_to, value, uplift_coefficient) "  # noqa: S608
        "SELECT s.id, v.valid_from, NULL, v.value, v.uplift "
        f"FROM (VALUES {values}) v(code, valid_from, value, uplift) "
        "JOIN billing_service s ON s.code = v.code ORDER BY s.sort_order",
        params,
    )
    rows["billing_norm"] = cursor.rowcount
    return rows


def _load(cursor, *, schema: str, index: int, offset: int, count: int, seed: int, month: date) -> dict[str, int]:
    previous_month = (month - timedelta(days=1)).replace(day=1)
    street = street_for(schema)
    params = {
        "seed": seed, "offset": offset, "count": count, "month": month, "previous_month": previous_month,
        "number_prefix": f"{index:03d}-", "per_house": FLATS_PER_HOUSE, "houses": -(-count // FLATS_PER_HOUSE),
        "region": REGION, "city": CITY, "street": street, "codes": [s[0] for s in SERVICES],
        "metered": list(METERED), "meter_share": METER_SHARE, "read_share": READ_SHARE,
    }
    rows = {}
    cursor.execute(_FUNCTIONS)
    cursor.execute(_ACCOUNTS_TMP, params)
    cursor.execute("ANALYZE scale_acc")
    cursor.execute(_HOUSES, params)
    rows["registry_house"] = cursor.rowcount
    cursor.execute(_PREMISES, params)
    rows["registry_premise"] = cursor.rowcount
    rows.update(_catalogue(cursor, month))
    cursor.execute(_ACCOUNTS, params)
    rows["billing_personalaccount"] = cursor.rowcount
    if rows["billing_personalaccount"] != count:
        raise RuntimeError(f"{schema}: {rows['billing_personalaccount']} accounts written, expected {count}")
    cursor.execute(_ACCOUNT_IDS)
    cursor.execute("ANALYZE scale_acc")
    for table, sql in (("billing_occupancy", _OCCUPANCY), ("billing_accountservice", _ACCOUNT_SERVICES),
                       ("billing_meter", _METERS), ("billing_reading", _READINGS)):
        cursor.execute(sql, params)
        rows[table] = cursor.rowcount
    for table in _ANALYZE:
        cursor.execute(f"ANALYZE {table}")
    return rows


def scale_data_generate(
    *, accounts: int, principals: int, services_per_account: int = SERVICES_PER_ACCOUNT, seed: int = 1,
    month: date = date(2026, 6, 1), prefix: str = "scale", progress=None,
) -> ScaleReport:
    """Create (if missing) ``principals`` principals and split ``accounts`` accounts evenly among them.

    ``month`` is the current period: readings are for it and the month before; the cold-water tariff
    changes on its 16th. ``progress`` (optional) is called with each ``PrincipalLoad`` as it is done.
    """
    if services_per_account != SERVICES_PER_ACCOUNT:
        raise ValueError(f"the generator bills exactly {SERVICES_PER_ACCOUNT} services per account")
    if principals < 1 or accounts < principals:
        raise ValueError("need at least one principal and one account per principal")
    if month.day != 1:
        raise ValueError("month is the first day of a month")
    report = ScaleReport()
    offset = 0
    for index, count in enumerate(_split(accounts, principals), start=1):
        principal, created = _principal_ensure(prefix, index)
        load = PrincipalLoad(schema_name=principal.schema_name, accounts=count, created=created)
        with schema_context(principal.schema_name), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM billing_personalaccount), (SELECT count(*) FROM billing_service)"
            )
            have_accounts, have_services = cursor.fetchone()
            if (have_accounts, have_services) == (count, SERVICES_PER_ACCOUNT):
                load.skipped = True
            elif (have_accounts, have_services) == (0, 0):
                load.rows = _load(cursor, schema=principal.schema_name, index=index, offset=offset, count=count,
                                  seed=seed, month=month)
            else:
                raise ValueError(
                    f"{principal.schema_name} holds {have_accounts} accounts and {have_services} services, "
                    f"not {count} and {SERVICES_PER_ACCOUNT}: generated with other arguments?"
                )
        connection.set_schema_to_public()
        offset += count
        report.principals.append(load)
        if progress is not None:
            progress(load)
    return report


def scale_data_drop(*, prefix: str = "scale") -> int:
    """Drop the principals ``<prefix>_NNN`` (schema and row), their houses and premises; return how many."""
    from tenants.models import Principal

    pattern = rf"^{prefix}_[0-9]+$"
    dropped = 0
    for principal in Principal.objects.filter(schema_name__regex=pattern).order_by("schema_name"):
        principal.delete(force_drop=True)
        dropped += 1
    connection.set_schema_to_public()
    streets = rf"^ул\. Нагрузочная \({prefix}_[0-9]+\)$"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM registry_premise WHERE house_id IN "
            "(SELECT id FROM registry_house WHERE region = %s AND city = %s AND street ~ %s)",
            [REGION, CITY, streets],
        )
        cursor.execute("DELETE FROM registry_house WHERE region = %s AND city = %s AND street ~ %s",
                       [REGION, CITY, streets])
    return dropped


# --- unified accounts (ЕЛС) for the generated accounts: the ЕПД benchmark ----------------------

# One ЕЛС per premise, numbered from the premise id: 10 characters, "9" + 9 digits.
_ELS_CREATE = """
INSERT INTO registry_unifiedaccount (number, premise_id, payer_name, created_at)
SELECT DISTINCT ON (a.premise_id) '9' || lpad(a.premise_id::text, 9, '0'), a.premise_id, a.payer_name, now()
FROM {s}.billing_personalaccount a
WHERE a.unified_account_id IS NULL
ORDER BY a.premise_id, a.id
ON CONFLICT (number) DO NOTHING
"""

_ELS_LINK = """
UPDATE {s}.billing_personalaccount a SET unified_account_id = ua.id
FROM registry_unifiedaccount ua
WHERE a.unified_account_id IS NULL AND ua.number = '9' || lpad(a.premise_id::text, 9, '0')
"""

# A follower principal's account n moves into the premise of the leader's account n (same flat).
_SHARE_PREMISES = """
UPDATE {f}.billing_personalaccount f SET premise_id = l.premise_id
FROM {l}.billing_personalaccount l
WHERE substr(l.number, 5) = substr(f.number, 5) AND f.unified_account_id IS NULL
"""


def scale_unified_accounts_link(*, prefix: str = "scale", principals_per_household: int = 1) -> int:
    """Give every generated account an ЕЛС (one per premise); returns how many accounts were linked.

    With ``principals_per_household`` = k > 1, principals ``<prefix>_001…`` are taken in groups of
    k: the followers' account n moves into the leader's premise of account n, so one ЕЛС (and one
    ЕПД) spans k principals. Set-based: three statements per principal. Accounts already linked are
    left alone, so running again adds nothing.
    """
    from tenants.models import Principal

    if principals_per_household < 1:
        raise ValueError("principals_per_household is at least 1")
    schemas = list(
        Principal.objects.filter(schema_name__regex=rf"^{prefix}_[0-9]+$")
        .order_by("schema_name").values_list("schema_name", flat=True)
    )
    quote = connection.ops.quote_name
    linked = 0
    for i, schema in enumerate(schemas):
        leader = schemas[i - i % principals_per_household]
        with transaction.atomic(), connection.cursor() as cursor:
            if leader != schema:
                cursor.execute(_SHARE_PREMISES.format(f=quote(schema), l=quote(leader)))
            cursor.execute(_ELS_CREATE.format(s=quote(schema)))
            cursor.execute(_ELS_LINK.format(s=quote(schema)))
            linked += cursor.rowcount
            cursor.execute(f"ANALYZE {quote(schema)}.billing_personalaccount")
    return linked


def scale_unified_accounts_drop(*, prefix: str = "scale") -> int:
    """Remove the ЕЛС of the generated premises: after the principals are dropped (their accounts point
    at the ЕЛС) and before ``scale_data_drop`` removes the premises."""
    streets = rf"^ул\. Нагрузочная \({prefix}_[0-9]+\)$"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM registry_unifiedaccount WHERE premise_id IN (SELECT p.id FROM registry_premise p "
            "JOIN registry_house h ON h.id = p.house_id WHERE h.region = %s AND h.city = %s AND h.street ~ %s)",
            [REGION, CITY, streets],
        )
        return cursor.rowcount
