"""Reading appeals: the lists each kind of caller may see, with messages in one extra query."""

from django.db.models import Prefetch, Q, QuerySet

from agency.appeals.models import Appeal, AppealMessage


def appeal_list(*, principal_id: int | None = None, agent: bool = False, resident_id: int | None = None,
                status: str | None = None, search: str | None = None) -> QuerySet[Appeal]:
    """Exactly one scope: a principal's appeals, the agent's own (``agent``), or one resident's."""
    scopes = [principal_id is not None, agent, resident_id is not None]
    if sum(scopes) != 1:
        raise ValueError("appeal_list needs exactly one scope")
    qs = Appeal.objects.select_related("principal", "unified_account").prefetch_related(
        Prefetch("messages", queryset=AppealMessage.objects.order_by("created_at", "pk"), to_attr="message_list")
    )
    if principal_id is not None:
        qs = qs.filter(principal_id=principal_id)
    elif agent:
        qs = qs.filter(principal__isnull=True)
    else:
        qs = qs.filter(resident_id=resident_id)
    if status:
        qs = qs.filter(status=status)
    if search:
        term = search.strip()
        qs = qs.filter(Q(number__icontains=term) | Q(subject__icontains=term)
                       | Q(unified_account__number__startswith=term) | Q(author_name__icontains=term))
    return qs
