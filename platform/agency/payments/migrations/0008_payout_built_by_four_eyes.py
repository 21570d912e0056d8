"""Four eyes on payouts: who built each one (empty: the 07:00 schedule), and the database's check that the builder
never approves it. Payouts built before keep their day's builder (from its PayoutRun) where that does not clash
with who already approved them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_allocation_fewer_indexes'),
        ('tenants', '0002_requisites_change'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='payout',
            name='built_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='payout',
            constraint=models.CheckConstraint(condition=models.Q(('built_by__isnull', True), ('approved_by__isnull', True), models.Q(('approved_by', models.F('built_by')), _negated=True), _connector='OR'), name='payout_four_eyes'),
        ),
        migrations.RunSQL(
            "UPDATE payments_payout p SET built_by_id = r.built_by_id FROM payments_payoutrun r "
            "WHERE r.business_day = p.business_day AND p.built_by_id IS NULL AND r.built_by_id IS NOT NULL "
            "AND (p.approved_by_id IS NULL OR p.approved_by_id <> r.built_by_id)",
            migrations.RunSQL.noop,
        ),
    ]
