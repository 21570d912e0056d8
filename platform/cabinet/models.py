from django.db import models
from django.utils.translation import gettext_lazy as _


class ResidentLink(models.Model):
    """A resident's proven tie to a household's ЕЛС. Only linked households are ever shown to them."""

    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="resident_links")
    unified_account = models.ForeignKey("registry.UnifiedAccount", on_delete=models.CASCADE, related_name="+")
    # The resident asked for the monthly ЕПД by e-mail (to the user's address).
    e_receipts = models.BooleanField(_("ЕПД по e-mail"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("привязка ЕЛС к жителю")
        constraints = [models.UniqueConstraint(fields=["user", "unified_account"], name="resident_link_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.unified_account_id}"
