import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from agency.demo.scale import scale_data_generate


class Command(BaseCommand):
    help = "Generate synthetic principals, accounts, meters and readings at scale (set-based, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, required=True)
        parser.add_argument("--principals", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--month", type=date.fromisoformat, default=date(2026, 6, 1),
                            help="current period, first day of a month (YYYY-MM-01)")
        parser.add_argument("--prefix", default="scale", help="schema names <prefix>_001, <prefix>_002, …")

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 1
        started = time.perf_counter()

        def progress(load):
            if verbose:
                state = "skipped (already loaded)" if load.skipped else f"{sum(load.rows.values())} rows"
                self.stdout.write(f"  {load.schema_name}: {load.accounts} accounts, {state}")

        try:
            report = scale_data_generate(
                accounts=options["accounts"], principals=options["principals"], seed=options["seed"],
                month=options["month"], prefix=options["prefix"], progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        skipped = len(report.principals) - report.loaded
        self.stdout.write(
            f"principals: {len(report.principals)} ({report.created} created, {report.loaded} loaded, "
            f"{skipped} already complete)"
        )
        rows = report.rows
        if not rows:
            self.stdout.write("nothing to add: every principal already holds its data")
        for table, n in sorted(rows.items()):
            self.stdout.write(f"  {table}: {n}")
        total = sum(rows.values())
        rate = f", {total / elapsed:,.0f} rows/s" if total and elapsed else ""
        self.stdout.write(self.style.SUCCESS(f"loaded {total} rows in {elapsed:.1f}s{rate}"))
