"""The demo, end to end for the ЕПД: a household's document carries the lines of its three principals, its
totals equal their balances, and the printed page's payment codes name each payee and its sum."""

from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from django.db.models import Sum
from django_tenants.utils import tenant_context

from agency.demo.seed import demo_seed
from agency.documents import storage
from agency.documents.models import Epd
from billing_core.epd_qr import parse_payload
from tenants.billing.models import (
    Balance,
    HouseCommonProperty,
    HouseCommonVolume,
    PersonalAccount,
    Recalculation,
)
from tenants.models import Principal

pytestmark = pytest.mark.django_db


def test_a_demo_households_document_shows_three_principals_and_matches_their_balances(settings, tmp_path):
    settings.S3_BUCKET = ""
    settings.MEDIA_ROOT = tmp_path
    result = demo_seed()
    assert result["epd"]["documents"] == result["premises"]
    epd = Epd.objects.filter(is_current=True).order_by("unified_account__number").first()
    payees = {p["principal_id"]: p for p in epd.content["payees"]}
    assert len(payees) == 3

    total = Decimal(0)
    for principal in Principal.objects.filter(pk__in=payees):
        payee = payees[principal.pk]
        with tenant_context(principal):
            account = PersonalAccount.objects.get(unified_account=epd.unified_account)
            sums = Balance.objects.filter(account=account, period__month=epd.month).aggregate(
                charged=Sum("charged"), closing=Sum("closing"))
            lines = Balance.objects.filter(account=account, period__month=epd.month).count()
        assert payee["account_number"] == account.number
        assert Decimal(payee["charged"]) == sums["charged"]
        assert Decimal(payee["closing"]) == sums["closing"]
        assert len(payee["lines"]) == lines
        assert sum(Decimal(line["total"]) for line in payee["lines"]) == sums["charged"]
        total += max(sums["closing"], Decimal(0))
    assert epd.total_due == total == Decimal(epd.content["totals"]["amount_due"])

    pdf = pypdfium2.PdfDocument(storage.get(epd.pdf_key))
    image = pdf[0].render(scale=300 / 72).to_pil()
    codes = [parse_payload(b.bytes.decode("utf-8"))
             for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    by_account = {c["PersAcc"]: c for c in codes}
    for payee in payees.values():
        if payee["qr_mode"] != "per_payee" or Decimal(payee["amount_due"]) == 0:
            continue
        code = by_account[payee["account_number"]]
        assert (code["Name"], code["PersonalAcc"], code["BIC"]) == (payee["name"], payee["account"], payee["bic"])
        assert int(code["Sum"]) == int(Decimal(payee["amount_due"]) * 100)
    assert len(codes) == sum(1 for p in payees.values() if p["qr_mode"] == "per_payee"
                             and Decimal(p["amount_due"]) > 0) + any(p["qr_mode"] == "agent_account"
                                                                      for p in payees.values())
    text = pdf[0].get_textpage().get_text_range()
    assert epd.content["els"] in text and "ЕДИНЫЙ ПЛАТЁЖНЫЙ ДОКУМЕНТ" in text
    every_page = "\n".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()

    # issue 13, item 9: the first house has a collective electricity meter; the demo reads it at the premises'
    # volumes + 80 % of the СОИ norm's volume (1.2 kWh × the common area), so the house's common-property volume
    # is by the meter (ПП 354 прил.2 формула 11), under the cap of п.44: 0.96 × the common area
    uk = Principal.objects.get(schema_name="uk_demo")
    (item,) = payees[uk.pk]["common_property"]
    assert (item["service"], item["method"]) == ("Электроэнергия на содержание общего имущества", "meter")
    with tenant_context(uk):
        account = PersonalAccount.objects.select_related("premise").get(unified_account=epd.unified_account)
        house = HouseCommonProperty.objects.get(house_id=account.premise.house_id)
        figures = HouseCommonVolume.objects.get(period__month=epd.month, house_id=house.house_id)
        absences = Recalculation.objects.filter(reason="temporary_absence", service__code="electricity").count()
    common = (Decimal("0.96") * house.common_area).quantize(Decimal("0.001"))
    assert figures.collective_volume - figures.premises_volume == figures.common_volume == common
    assert Decimal(item["house_volume"]) == figures.collective_volume
    assert Decimal(item["common_volume"]) == common
    # the premise's share by area (формула 11): common × S_i / S_all
    share = (common * account.charge_area / figures.total_area).quantize(Decimal("0.0001"))
    assert Decimal(item["premise_volume"]) == share
    assert "Коммунальные ресурсы на содержание общего имущества" in every_page
    # issue 13, demo: an absence recalculation of electricity (ПП 354 п.86 leaves out only heating)
    assert absences == 1
