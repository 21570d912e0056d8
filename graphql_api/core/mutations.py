"""The base every mutation derives from: guard, validate, call one service, return typed errors."""

import graphene
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import Error, errors_from_validation


class BaseMutation(graphene.Mutation):
    errors = graphene.List(graphene.NonNull(Error), required=True)

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, root, info, **data):
        raise NotImplementedError

    @classmethod
    def mutate(cls, root, info, **data):
        try:
            result = cls.perform(root, info, **data)
        except ValidationError as exc:
            return cls._failed(info, errors_from_validation(exc))
        except ObjectDoesNotExist:
            return cls._failed(
                info, [{"field": "id", "message": _("Объект не найден."), "code": ErrorCode.NOT_FOUND}]
            )
        if result.errors is None:
            result.errors = []
        return result

    @classmethod
    def _failed(cls, info, errors: list[dict]):
        # The gateway rolls the mutation's transaction back and records the codes in the audit log.
        info.context.mutation_error_codes.extend(e["code"].value for e in errors)
        return cls(errors=[Error(**e) for e in errors])
