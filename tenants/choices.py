"""Model-field choices over the billing engine's enums: the engine's values, the model layer's labels."""

from collections.abc import Mapping
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.db import models


def text_choices(enum: type[StrEnum], labels: Mapping[StrEnum, str], *, module: str) -> type[models.TextChoices]:
    """A ``TextChoices`` with the members, names and values of ``enum``, labelled by ``labels`` (one per member)."""
    if set(labels) != set(enum):
        raise ImproperlyConfigured(f"{enum.__name__}: labels for {sorted(labels)} but members {sorted(enum)}")
    return models.TextChoices(enum.__name__, [(m.name, (m.value, labels[m])) for m in enum], module=module)
