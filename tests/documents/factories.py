"""Realistic ЕПД content dicts (the shared content contract) for the renderer, storage and delivery tests.

``sample_content(n)`` is deterministic in ``n`` (its ЕЛС, ИПД, accounts and amounts differ per ``n``)
and internally consistent: every line's total is charged + recalculated − benefits + penalties, a
payee's figures are the sums of its lines, closing = opening − paid + Σ totals, and the document's
totals are the sums over payees. Three payees, each showing one case of the contract:

* УК (management company), ``per_payee``, with a recalculation (and its section-5 row);
* heat supplier, ``agent_account`` (paid through the agent's code with the ЕЛС), with a debt;
* water utility, ``per_payee``, paid in advance: ``amount_due`` 0, so it gets no code.
"""

from decimal import ROUND_HALF_UP, Decimal

from billing_core.requisites import account_with_control_key, inn_with_check_digits

KOPECK = Decimal("0.01")
SBER_BIC, SBER_CORR = "044525225", "30101810400000000225"
VTB_BIC, VTB_CORR = "044525187", "30101810700000000187"
YAR_BIC, YAR_CORR = "047888670", "30101810500000000670"

EXTRA_SERVICES = (
    ("Домофон", "помещ.", "fixed"), ("Лифт", "м²", "fixed"), ("Вывоз ТКО", "чел.", "norm"),
    ("Электроснабжение ОДН", "кВт·ч", "norm"), ("Уборка лестничных клеток", "м²", "fixed"),
    ("Обслуживание ВДГО", "помещ.", "fixed"), ("Антенна", "помещ.", "fixed"),
)


def money(value: Decimal) -> str:
    return str(value.quantize(KOPECK, rounding=ROUND_HALF_UP))


def _line(service, unit, method, quantity, rate, *, uplift=None, recalculated="0.00", benefits="0.00",
          penalties="0.00") -> dict:
    """A line; with ``uplift``, ``quantity`` is the uplifted volume (as the charge run stores it) and the line
    carries its split: the volume by the norm, its charge at the tariff, and the increase (the rest)."""
    qty = None if quantity is None else Decimal(quantity)
    charged = ((qty if qty is not None else Decimal(1)) * Decimal(rate)).quantize(KOPECK, rounding=ROUND_HALF_UP)
    total = charged + Decimal(recalculated) - Decimal(benefits) + Decimal(penalties)
    split = {"norm_quantity": None, "base_amount": None, "uplift_amount": None}
    if uplift is not None:
        norm_qty = (qty / Decimal(uplift)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        base = (norm_qty * Decimal(rate)).quantize(KOPECK, rounding=ROUND_HALF_UP)
        split = {"norm_quantity": f"{norm_qty:.4f}", "base_amount": money(base), "uplift_amount": money(charged - base)}
    return {
        "service": service, "unit": unit, "method": method,
        "quantity": None if qty is None else f"{qty:.4f}", "rate": f"{Decimal(rate):.6f}",
        "uplift": None if uplift is None else f"{Decimal(uplift):.3f}", **split,
        "charged": money(charged), "recalculated": recalculated, "benefits": benefits, "penalties": penalties,
        "total": money(total),
    }


def _contacts(address: str, phone: str, email: str, website: str, hours: str) -> dict:
    return {"address": address, "phone": phone, "email": email, "website": website, "working_hours": hours}


def _payee(n: int, principal_id: int, name: str, inn9: str, kpp: str, bank: tuple[str, str, str], qr_mode: str,
           account_number: str, opening: str, paid: str, lines: list[dict], *, last_payment_date=None,
           recalculations=(), meters=(), norms=(), persons=3, contacts=None) -> dict:
    bank_name, bic, corr = bank
    sums = {key: sum((Decimal(line[key]) for line in lines), Decimal(0))
            for key in ("charged", "recalculated", "benefits", "penalties", "total")}
    closing = Decimal(opening) - Decimal(paid) + sums["total"]
    return {
        "principal_id": principal_id, "name": name, "inn": inn_with_check_digits(inn9), "kpp": kpp,
        "bank_name": bank_name, "bic": bic, "corr_account": corr,
        "account": account_with_control_key(f"40702810{principal_id:04d}{n:08d}", bic),
        "account_number": account_number, "qr_mode": qr_mode, "persons": persons, "contacts": contacts or {},
        "opening": opening, "paid": paid, "charged": money(sums["charged"]),
        "recalculated": money(sums["recalculated"]), "benefits": money(sums["benefits"]),
        "penalties": money(sums["penalties"]), "closing": money(closing),
        "amount_due": money(max(closing, Decimal(0))),
        "debt": money(max(Decimal(opening) - Decimal(paid), Decimal(0))),
        "advance": money(max(-closing, Decimal(0))),
        "last_payment_date": last_payment_date, "lines": lines,
        "recalculations": list(recalculations), "meters": list(meters), "norms": list(norms),
    }


def _extra_lines(count: int, n: int) -> list[dict]:
    lines = []
    for i in range(count):
        service, unit, method = EXTRA_SERVICES[i % len(EXTRA_SERVICES)]
        suffix = f" ({i // len(EXTRA_SERVICES) + 1})" if i >= len(EXTRA_SERVICES) else ""
        lines.append(_line(service + suffix, unit, method, f"{1 + (i + n) % 5}.0000", f"{12 + i}.{n % 90 + 10}0000"))
    return lines


def sample_content(n: int = 0, *, lines_per_payee: int | None = None) -> dict:
    """One household's ЕПД for October 2026; ``lines_per_payee`` pads every payee to that many lines."""
    els = f"{7600000000 + n:010d}"
    cold_prev = Decimal(120) + n % 50
    cold_cur = cold_prev + Decimal("4.2") + Decimal(n % 7) / 10
    hot_prev = Decimal(80) + n % 30
    hot_cur = hot_prev + Decimal("2.8")

    uk_lines = [
        _line("Содержание жилого помещения", "м²", "fixed", "54.3000", "32.450000"),
        _line("Текущий ремонт", "м²", "fixed", "54.3000", "8.900000", recalculated="-124.37"),
        _line("ХВС на содержание общего имущества", "м³", "norm", "0.5230", "45.120000"),
        _line("Электроэнергия на содержание общего имущества", "кВт·ч", "norm", "12.6000", "6.430000",
              penalties=f"{3 + n % 9}.17"),
    ]
    heat_lines = [
        _line("Отопление", "Гкал", "norm", "1.2740", "2781.450000", benefits="350.00"),
        _line("Горячее водоснабжение (компонент на тепловую энергию)", "Гкал", "meter", f"{hot_cur - hot_prev:.4f}",
              "171.230000", penalties="12.40"),
    ]
    water_lines = [
        _line("Холодное водоснабжение", "м³", "meter", f"{cold_cur - cold_prev:.4f}", "45.120000"),
        _line("Водоотведение", "м³", "norm", "10.5000", "38.770000", uplift="1.500"),  # 7 m³ by the norm × 1.5
    ]
    if lines_per_payee:
        for lines in (uk_lines, heat_lines, water_lines):
            lines.extend(_extra_lines(max(0, lines_per_payee - len(lines)), n))

    uk_charged = sum(Decimal(line["total"]) for line in uk_lines)
    uk = _payee(
        n, 7, "ООО «Управляющая компания Северный квартал»", "760400123", "760401001",
        ("ПАО Сбербанк", SBER_BIC, SBER_CORR), "per_payee", f"УК-{100000 + n}",
        opening=money(uk_charged * Decimal("0.9")), paid=money(uk_charged * Decimal("0.6")),
        lines=uk_lines, last_payment_date="2026-10-12",
        recalculations=[{"service": "Текущий ремонт", "reason": "Некачественное оказание услуги",
                         "comment": "Акт №17 от 05.10.2026: не выполнена уборка подъезда", "amount": "-124.37"}],
        norms=[{"service": "ХВС на содержание общего имущества", "value": "0.0300", "unit": "м³/м²"}],
        contacts=_contacts("150000, г. Ярославль, ул. Свободы, д. 10", "+7 (4852) 58-12-34", "info@sever-uk.example",
                           "sever-uk.example", "пн–чт 8:00–17:00, пт 8:00–16:00"),
    )
    heat_total = sum(Decimal(line["total"]) for line in heat_lines)
    heat = _payee(
        n, 12, "АО «Городские тепловые сети»", "760200456", "760201001", ("Банк ВТБ (ПАО)", VTB_BIC, VTB_CORR),
        "agent_account", f"{3100000 + n}",
        opening=money(heat_total * Decimal("1.5")), paid=money(heat_total * Decimal("0.5")),
        lines=heat_lines, last_payment_date="2026-09-28",
        meters=[{"service": "Горячее водоснабжение", "serial": f"ГВ-{400000 + n}", "zone": 1,
                 "previous": f"{hot_prev:.4f}", "current": f"{hot_cur:.4f}"}],
        norms=[{"service": "Отопление", "value": "0.0235", "unit": "Гкал/м²"}],
        contacts=_contacts("150003, г. Ярославль, ул. Победы, д. 37", "+7 (4852) 40-50-60", "abonent@gts.example",
                           "gts.example", "пн–пт 8:00–17:00"),
    )
    water_total = sum(Decimal(line["total"]) for line in water_lines)
    water = _payee(
        n, 15, "АО «Ярославльводоканал»", "760600789", "760601001",
        ("Ярославское отделение № 17 ПАО Сбербанк", YAR_BIC, YAR_CORR), "per_payee", f"В-{55000 + n}",
        opening=money(water_total * Decimal("0.2")), paid=money(water_total * Decimal("1.6")), lines=water_lines,
        last_payment_date=None,
        meters=[{"service": "Холодное водоснабжение", "serial": f"ХВ-{900000 + n}", "zone": 1,
                 "previous": f"{cold_prev:.4f}", "current": f"{cold_cur:.4f}"}],
        norms=[{"service": "Водоотведение", "value": "7.0000", "unit": "м³/чел."}],
        persons=2 if n % 5 == 0 else 3,  # every fifth household: the water utility charges for fewer people
        contacts=_contacts("150040, г. Ярославль, ул. Чкалова, д. 2", "+7 (4852) 78-00-00", "", "vodokanal.example",
                           "пн–пт 8:00–17:00, обед 12:00–12:48"),
    )
    payees = [uk, heat, water]
    totals = {key: money(sum((Decimal(p[key]) for p in payees), Decimal(0)))
              for key in ("opening", "paid", "charged", "recalculated", "benefits", "penalties", "closing",
                          "amount_due")}
    return {
        "schema": 1,
        "ipd": f"76АБ{n % 1000000:06d}-01-1026",
        "els": els,
        "month": "2026-10-01",
        "due_date": "2026-11-15",
        "version": 1,
        "payer": "Иванов Иван Иванович",
        "address": f"150000, Ярославская обл., г. Ярославль, ул. Свободы, д. 12, кв. {n % 200 + 1}",
        "area": "54.30",
        "persons": 3 if len({p["persons"] for p in payees}) == 1 else None,
        "agent": {"name": "АО «Единый расчётный центр»", "inn": inn_with_check_digits("760100321"),
                  "kpp": "760101001", "bank_name": "ПАО Сбербанк", "bic": SBER_BIC,
                  "account": account_with_control_key(f"40702810{n:012d}", SBER_BIC), "corr_account": SBER_CORR,
                  "contacts": _contacts("150000, г. Ярославль, ул. Комсомольская, д. 4", "8 800 000-00-00",
                                        "erc@erc.example", "erc.example", "пн–пт 8:00–19:00, сб 9:00–15:00")},
        "payees": payees,
        "installments": [],
        "totals": totals,
    }
