"""Imports of uploaded files: one mutation per kind, each taking the key `POST /uploads/<kind>` answered
(graphql_api.uploads), checking the caller as the kind requires, running the domain's import in its mode and
answering the typed import node; a refused input comes back as typed errors. The import's own findings (every
bad line and field) are in the node, so a rejected file is recorded and listed like a loaded one."""

from datetime import date

import graphene
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from agency.identity.permissions import Perm
from agency.identity.services import audit_record
from billing_core.error_codes import ErrorCode
from graphql_api.billing.types import ImportBatchNode, ImportModeEnum
from graphql_api.core.audit import audit_kept
from graphql_api.core.errors import errors_from_validation
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import require_agent_staff, require_principal_perm
from graphql_api.imports.staged import StagedFile, staged_file_name, staged_file_take
from graphql_api.imports.types import PayoutConfirmationNode
from graphql_api.payments.types import PaymentImportNode
from tenants.billing.imports import opening_balances_import
from tenants.billing.readings import readings_import
from tenants.receipts.own_import import own_receipts_import

KEY_HELP = "The key POST /uploads/<kind> answered for the file (once, by the same caller)."


class FileImport(BaseMutation):
    """What every import shares: the caller checked, the other inputs checked, then the file under the key taken,
    imported, and the upload's audit row written beside the mutation's (which file, what the import found). A
    refused import (an input or the file refused with typed errors, or an import that failed) keeps its row: the
    gateway writes it after rolling the mutation back, with the file's name and the refusal's codes."""

    kind = ""  # the upload kind (graphql_api.uploads.KINDS) whose keys the mutation takes

    class Meta:
        abstract = True

    class Arguments:
        key = graphene.String(required=True, description=KEY_HELP)

    @classmethod
    def caller(cls, info):
        """The actor, if they may run this import here (an ApiError otherwise)."""
        raise NotImplementedError

    @classmethod
    def options(cls, **arguments) -> dict:
        """The other arguments as the import takes them; checked before the file is taken, so a mistyped one
        does not cost the upload."""
        return arguments

    @classmethod
    def run(cls, *, file: StagedFile, user, **options):
        """The mutation's answer."""
        raise NotImplementedError

    @classmethod
    def found(cls, answer) -> list[str]:
        """The codes of what the import found wrong in the file."""
        return []

    @classmethod
    def perform(cls, root, info, key, **arguments):
        actor = cls.caller(info)
        row = {"actor": actor, "schema_name": connection.schema_name, "operation": f"upload:{cls.kind}",
               "fields": [cls.kind], "client_ip": info.context.META.get("REMOTE_ADDR")}
        layout = str(arguments.get("layout") or "").strip()
        try:
            options = cls.options(**arguments)
        except ValidationError as exc:
            # the file stays for the corrected import; its name is on the row when the key names one
            filename = staged_file_name(actor=actor, kind=cls.kind, key=key)
            if filename:
                cls._refused(info, row, filename, layout, _codes(exc))
            raise
        file = staged_file_take(actor=actor, kind=cls.kind, key=key)  # no file, no upload row: the mutation's own
        try:
            answer = cls.run(file=file, user=actor.user, **options)
        except ValidationError as exc:
            cls._refused(info, row, file.name, layout, _codes(exc))
            raise
        except ObjectDoesNotExist:
            cls._refused(info, row, file.name, layout, [ErrorCode.NOT_FOUND.value])
            raise
        except Exception:
            cls._refused(info, row, file.name, layout, [])  # the mutation's codes (INTERNAL_ERROR) go on it
            raise
        codes = [str(c) for c in cls.found(answer)]
        row.update(variables={"filename": file.name, "layout": options.get("layout", "")}, succeeded=not codes,
                   error_codes=codes)
        audit_record(**row)
        audit_kept(info.context, written=True, **row)  # written again, as failed, if the mutation is rolled back
        return answer

    @classmethod
    def _refused(cls, info, row: dict, filename: str, layout: str, codes: list[str]) -> None:
        """The upload row of a refused import: the gateway rolls the mutation back, so it is written after."""
        audit_kept(info.context, written=False, **row, variables={"filename": filename, "layout": layout},
                   succeeded=False, error_codes=codes)


def _codes(exc: ValidationError) -> list[str]:
    return [str(getattr(e["code"], "value", e["code"])) for e in errors_from_validation(exc)]


def _mode(mode) -> str:
    return getattr(mode, "value", mode)


# --- a principal's files, on its host ------------------------------------------------------------------------


class BatchImport(FileImport):
    batch = graphene.Field(ImportBatchNode, description="The import: its status and every error by line and field.")
    perm = ""

    class Meta:
        abstract = True

    class Arguments(FileImport.Arguments):
        mode = ImportModeEnum(default_value="validate")

    @classmethod
    def caller(cls, info):
        return require_principal_perm(info, cls.perm)[0]

    @classmethod
    def options(cls, *, mode, **arguments) -> dict:
        return {"mode": _mode(mode), **arguments}

    @classmethod
    def found(cls, answer) -> list[str]:
        return [e.get("code") for e in answer.batch.errors or []]


class ReadingsImport(BatchImport):
    """A readings file (readings.manage): one row per meter and zone. The same file again changes nothing."""

    kind, perm = "readings", Perm.READINGS_MANAGE

    @classmethod
    def run(cls, *, file, user, mode):
        return cls(batch=readings_import(data=file.data, filename=file.name, mode=mode, user=user))


class OpeningBalancesImport(BatchImport):
    """Balances carried over from the previous system (accounts.manage), as the posted period ``month``."""

    kind, perm = "opening-balances", Perm.ACCOUNTS_MANAGE

    class Arguments(BatchImport.Arguments):
        month = graphene.String(required=True, description="The month the balances open, YYYY-MM-01.")

    @classmethod
    def options(cls, *, month, **arguments) -> dict:
        try:
            day = date.fromisoformat(month)
        except ValueError:
            raise ValidationError({"month": ValidationError(_("Месяц — дата вида ГГГГ-ММ-01."),
                                                            code=ErrorCode.INVALID)}) from None
        return {"month": day, **super().options(**arguments)}

    @classmethod
    def run(cls, *, file, user, mode, month):
        return cls(batch=opening_balances_import(data=file.data, filename=file.name, month=month, mode=mode,
                                                 user=user))


class OwnReceiptsImport(BatchImport):
    """The money a principal collected itself (payments.manage), one row per receipt; a document already recorded
    (by its number and date) is not posted again."""

    kind, perm = "own-receipts", Perm.PAYMENTS_MANAGE

    class Arguments(BatchImport.Arguments):
        encoding = graphene.String(default_value="auto", description="auto, utf-8 or cp1251.")

    @classmethod
    def run(cls, *, file, user, mode, encoding):
        return cls(batch=own_receipts_import(data=file.data, filename=file.name, mode=mode, user=user,
                                             encoding=(encoding or "").strip().lower() or "auto"))


# --- the agent's files, on the agent's host ----------------------------------------------------------------


class AgentFileImport(FileImport):
    class Meta:
        abstract = True

    @classmethod
    def caller(cls, info):
        return require_agent_staff(info)


class PaymentFileImport(AgentFileImport):
    payment_import = graphene.Field(PaymentImportNode, description="The import: status, counts, errors by line.")

    class Meta:
        abstract = True

    @classmethod
    def found(cls, answer) -> list[str]:
        return [e.get("code") for e in answer.payment_import.errors or []]


class PaymentRegistryImport(PaymentFileImport):
    """A bank or post registry (agent staff), refused whole or posted as ``mode`` says; the same file again posts
    nothing. With ``background`` the file is stored and posted by a worker: the answer is the queued import."""

    kind = "payment-registry"

    class Arguments(FileImport.Arguments):
        layout = graphene.String(description="A preset of billing_core.registry_formats, such as sber_standard.")
        mode = ImportModeEnum(default_value="all_or_nothing")
        background = graphene.Boolean(default_value=False)

    @classmethod
    def options(cls, *, mode, background, layout=None) -> dict:
        layout = (layout or "").strip()
        if not layout:
            raise ValidationError({"layout": ValidationError(_("Укажите формат реестра."), code=ErrorCode.REQUIRED)})
        return {"layout": layout, "mode": _mode(mode), "background": background}

    @classmethod
    def run(cls, *, file, user, layout, mode, background):
        from agency.payments.intake.registry_import import registry_import
        from agency.payments.intake.tasks import registry_import_enqueue

        start = registry_import_enqueue if background else registry_import
        return cls(payment_import=start(data=file.data, filename=file.name, layout_name=layout, user=user, mode=mode))


class BankStatementImport(PaymentFileImport):
    """A 1C client-bank statement's incoming payments (agent staff), posted whole or refused whole."""

    kind = "bank-statement"

    @classmethod
    def run(cls, *, file, user):
        from agency.payments.intake.statements import statement_import

        return cls(payment_import=statement_import(data=file.data, filename=file.name, user=user))


class PayoutConfirmationImport(AgentFileImport):
    """The bank's 1C statement of the agent's account (agent staff): the exported payouts it shows are confirmed,
    the rest reported."""

    kind = "payout-confirmation"
    confirmation = graphene.Field(PayoutConfirmationNode)

    @classmethod
    def run(cls, *, file, user):
        from agency.payments.payouts import payouts_confirm

        return cls(confirmation=payouts_confirm(statement=file.data, user=user))
