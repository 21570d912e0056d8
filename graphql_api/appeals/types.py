"""Appeal types: an appeal with its messages (prefetched by ``appeals.selectors.appeal_list``)."""

import graphene

from agency.appeals.models import AppealStatus
from graphql_api.core.enums import choices_enum, enum_value
from graphql_api.core.pagination import connection_type

AppealStatusEnum = choices_enum("AppealStatus", AppealStatus)


class AppealMessageNode(graphene.ObjectType):
    class Meta:
        name = "AppealMessage"

    id = graphene.ID(required=True)
    author_name = graphene.String(required=True)
    from_staff = graphene.Boolean(required=True, description="Written by staff (the agent's or the principal's).")
    text = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class AppealNode(graphene.ObjectType):
    class Meta:
        name = "Appeal"

    id = graphene.ID(required=True)
    number = graphene.String(required=True, description="О-<year>-<sequence>.")
    subject = graphene.String(required=True)
    status = graphene.Field(AppealStatusEnum, required=True)
    els = graphene.String(description="The household's ЕЛС, when the appeal names one.")
    principal_id = graphene.ID(description="The principal it is addressed to; null — the agent.")
    principal_name = graphene.String()
    author_name = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    messages = graphene.List(graphene.NonNull(AppealMessageNode), required=True, description="Oldest first.")

    @staticmethod
    def resolve_status(appeal, info):
        return enum_value(appeal.status)  # a choice member on a fresh row

    @staticmethod
    def resolve_els(appeal, info):
        return appeal.unified_account.number if appeal.unified_account_id else None

    @staticmethod
    def resolve_principal_name(appeal, info):
        return appeal.principal.short_name if appeal.principal_id else None

    @staticmethod
    def resolve_messages(appeal, info):
        return appeal.message_list  # prefetched by the selector


AppealConnection = connection_type(AppealNode, "AppealConnection")
