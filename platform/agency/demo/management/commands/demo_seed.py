from django.conf import settings
from django.core.management.base import BaseCommand

from agency.demo.seed import DEMO_PASSWORD, demo_seed
from tenants.models import Domain


class Command(BaseCommand):
    help = "Load the demo: the agent, three principals, houses, premises, staff and residents (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        result = demo_seed()
        port = options["port"]
        out = self.stdout
        out.write(self.style.SUCCESS(
            f"Демо: {len(result['principals'])} принципала, {result['houses']} домов, "
            f"{result['premises']} помещений."
        ))
        epd, month = result["epd"], result["calendar"].month_label
        out.write(f"  ЕПД за {month}: {epd['documents']} документов, замечаний: {epd['issues']}")
        day = result["payments"]
        reconciled = "; ".join(f"{r['day']:%d.%m}: поступило {r['money_in']}, расхождений {r['unexplained']}"
                               for r in day.reconciliation)
        out.write(f"  Платёжный день {day.day:%d.%m.%Y}: касса {day.cash['receipts']} чеков на {day.cash['total']}, "
                  f"реестр {day.registry['posted']} платежей на {day.registry['amount']}, "
                  f"карта {day.card.get('amount', '—')}; распределено {day.allocation['allocated_payments']} платежей "
                  f"на {day.allocation['allocated_amount']}; "
                  f"перечислений за {day.payout_day:%d.%m.%Y}: {len(day.payouts.get('items', []))} "
                  f"на {day.payouts.get('net', '—')}; сверка — {reconciled}")
        for note in day.notes:
            out.write(f"  {note}")
        out.write(f"  Агент (бэк-офис, кабинет жителя): http://{settings.PUBLIC_HOST}:{port}/graphql")
        for principal in result["principals"]:
            domain = Domain.objects.filter(tenant=principal, is_primary=True).first()
            out.write(f"  {principal.short_name}: http://{domain.domain}:{port}/graphql")
        out.write(f"Логины (пароль {DEMO_PASSWORD}):")
        out.write("  admin@erc.demo — администратор агента; operator@erc.demo — оператор агента;")
        out.write("  approver@erc.demo — контролёр агента (утверждает перечисления, подтверждает смену реквизитов)")
        out.write("  admin@uk-demo.demo, staff@uk-demo.demo — УК; admin@heat-demo.demo — теплоснабжение;")
        out.write("  admin@water-demo.demo — водоканал; resident1@mail.demo … resident10@mail.demo — жители")
