from django.db import transaction

from tenants.workspace.models import WorkspaceSettings

_EDITABLE = {
    "display_name", "readings_window_start_day", "readings_window_end_day", "payment_due_day", "support_email",
    "penalty_payment_day_accrues",
}


@transaction.atomic
def workspace_settings_update(**fields) -> WorkspaceSettings:
    """Update the current schema's settings; the row is locked so concurrent edits do not interleave."""
    unknown = set(fields) - _EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    WorkspaceSettings.current()
    settings = WorkspaceSettings.objects.select_for_update().get(singleton=True)
    for key, value in fields.items():
        setattr(settings, key, value)
    settings.full_clean()
    settings.save()
    return settings
