"""Writes for principals and agency contracts."""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from agency.principals.cleaning import full_clean_coded
from agency.principals.requisites_changes import CONTRACT_BANK_FIELDS, PRINCIPAL_BANK_FIELDS, requisites_change_propose
from billing_core.error_codes import ErrorCode
from tenants.models import CONTACT_FIELDS, AgencyContract, Domain, Principal

_SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_RESERVED_SCHEMAS = {"public", "information_schema", settings.TENANT_BASE_SCHEMA}
_DOMAIN_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")

PRINCIPAL_FIELDS = (
    "kind", "legal_name", "short_name", "inn", "kpp", "ogrn", "bank_name", "bic",
    "settlement_account", "correspondent_account",
)


def principal_domain_for(subdomain: str) -> str:
    return f"{subdomain}.{settings.PUBLIC_HOST}"


def _validate_schema_and_domain(schema_name: str, subdomain: str) -> None:
    errors = {}
    if not _SCHEMA_RE.match(schema_name) or schema_name in _RESERVED_SCHEMAS or schema_name.startswith("pg_"):
        errors["schema_name"] = ValidationError(
            _("Имя схемы: латинские строчные буквы, цифры и «_», начинается с буквы, до 63 знаков."),
            code=ErrorCode.SCHEMA_NAME_FORMAT,
        )
    elif Principal.objects.filter(schema_name=schema_name).exists():
        errors["schema_name"] = ValidationError(_("Такая схема уже есть."), code=ErrorCode.UNIQUE)
    if not _DOMAIN_LABEL_RE.match(subdomain):
        errors["subdomain"] = ValidationError(
            _("Поддомен: латинские строчные буквы, цифры и дефис."), code=ErrorCode.DOMAIN_FORMAT
        )
    elif Domain.objects.filter(domain=principal_domain_for(subdomain)).exists():
        errors["subdomain"] = ValidationError(_("Такой поддомен уже занят."), code=ErrorCode.UNIQUE)
    if errors:
        raise ValidationError(errors)


def principal_create(*, schema_name: str, subdomain: str, **fields) -> Principal:
    """Validate, then create the principal, its schema (cloned from the template) and its domain."""
    _validate_schema_and_domain(schema_name, subdomain)
    contacts = {k: fields[k] for k in CONTACT_FIELDS if fields.get(k) is not None}
    principal = Principal(schema_name=schema_name, **{k: fields[k] for k in PRINCIPAL_FIELDS if k in fields},
                          **contacts)
    full_clean_coded(principal, exclude=["schema_name"])
    # Schema creation (clone + fake-migrate bookkeeping) commits on its own connection state;
    # if the domain cannot be written, the principal and its schema are removed again.
    principal.save()
    try:
        with transaction.atomic():
            Domain.objects.create(domain=principal_domain_for(subdomain), tenant=principal, is_primary=True)
    except IntegrityError:
        principal.delete(force_drop=True)
        raise
    return principal


def _bank_split(fields: dict, bank_fields: dict[str, str]) -> tuple[dict, dict]:
    """(the other fields, the bank fields given keyed by the change's names)."""
    names = {name: key for key, name in bank_fields.items()}
    bank = {names[k]: v for k, v in fields.items() if k in names}
    return {k: v for k, v in fields.items() if k not in names}, bank


@transaction.atomic
def principal_update(*, principal: Principal, proposed_by=None, **fields) -> Principal:
    """Names, codes and the active flag. Bank requisites are never written here: they change by four eyes
    (``agency.principals.requisites_changes``); given with ``proposed_by``, they are proposed by that person."""
    fields, bank = _bank_split(fields, PRINCIPAL_BANK_FIELDS)
    if bank and proposed_by is None:
        raise TypeError(f"{sorted(bank)}: bank requisites change through requisites_change_propose")
    for key, value in fields.items():
        if key not in PRINCIPAL_FIELDS and key not in CONTACT_FIELDS and key != "is_active":
            raise TypeError(f"unknown field {key}")
        setattr(principal, key, value)
    full_clean_coded(principal, exclude=["schema_name"])
    principal.save()
    if bank:
        requisites_change_propose(principal=principal, user=proposed_by, **bank)
    return principal


@transaction.atomic
def agency_contract_create(
    *, principal: Principal, number: str, signed_on: date, valid_from: date, valid_to: date | None,
    fee_rate: Decimal, fee_min: Decimal | None, fee_max: Decimal | None, services: list[str],
    payout_schedule: str, qr_mode: str, payout_bank_name: str | None = None, payout_bic: str | None = None,
    payout_account: str | None = None, payout_correspondent_account: str | None = None, proposed_by=None,
) -> AgencyContract:
    """A contract; the payout account defaults to the principal's own requisites.

    ``proposed_by`` (every request of a person passes it): the contract opens on the principal's confirmed
    requisites, and a payout account that differs from them is proposed by that person, to take effect when an
    approver confirms it (``agency.principals.requisites_changes``). Without it (the demo, setup code) the given payout
    account applies at once, as for a new principal's own requisites."""
    own = {"bank_name": payout_bank_name, "bic": payout_bic, "account": payout_account,
           "correspondent_account": payout_correspondent_account}
    if proposed_by is not None:
        payout_bank_name = payout_bic = payout_account = payout_correspondent_account = None
    contract = AgencyContract(
        principal=principal, number=number, signed_on=signed_on, valid_from=valid_from, valid_to=valid_to,
        fee_rate=fee_rate, fee_min=fee_min, fee_max=fee_max, services=sorted(set(services)),
        payout_schedule=payout_schedule, qr_mode=qr_mode,
        payout_bank_name=payout_bank_name or principal.bank_name,
        payout_bic=payout_bic or principal.bic,
        payout_account=payout_account or principal.settlement_account,
        payout_correspondent_account=payout_correspondent_account or principal.correspondent_account,
    )
    full_clean_coded(contract)
    contract.save()
    if proposed_by is not None and any(own.values()):
        requisites_change_propose(principal=principal, contract=contract, user=proposed_by, **own)
    return contract


@transaction.atomic
def agency_contract_update(*, contract: AgencyContract, proposed_by=None, **fields) -> AgencyContract:
    """Terms, dates and schedule. The payout account is never written here: it changes by four eyes
    (``agency.principals.requisites_changes``); given with ``proposed_by``, it is proposed by that person."""
    fields, bank = _bank_split(fields, CONTRACT_BANK_FIELDS)
    if bank and proposed_by is None:
        raise TypeError(f"{sorted(bank)}: the payout account changes through requisites_change_propose")
    contract = AgencyContract.objects.select_for_update().get(pk=contract.pk)
    for key, value in fields.items():
        if key == "services":
            value = sorted(set(value))
        setattr(contract, key, value)
    full_clean_coded(contract)
    contract.save()
    if bank:
        requisites_change_propose(principal=contract.principal, contract=contract, user=proposed_by, **bank)
    return contract
