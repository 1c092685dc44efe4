"""Generate a realistic district for benchmarks and demonstrations (issue #6), deterministically.

    manage.py seed_district --size S                      # one large school, one year
    manage.py seed_district --size D                      # 300 schools, one year (PostgreSQL: minutes)
    manage.py seed_district --schools 10 --days 90 --bureau-code small --user-prefix s

See dashboards/seed.py for what a school holds. Refuses to write into a bureau code that exists unless
--replace is given (which first removes that bureau and everything under it).
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from dashboards import seed


class Command(BaseCommand):
    help = "Generate a district (one bureau, N schools, D days of inspections and hazards) deterministically."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(seed.SIZES),
                            help="S = one school × 365 days, D = 300 × 365, C = 1,500 × 365 (PostgreSQL only)")
        parser.add_argument("--schools", type=int, help="number of schools (overrides --size)")
        parser.add_argument("--days", type=int, help="days of history up to yesterday (overrides --size)")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=seed.DEFAULT_TODAY,
                            help=f"the fixed 'today' (default {seed.DEFAULT_TODAY})")
        parser.add_argument("--seed", type=int, default=seed.DEFAULT_SEED)
        parser.add_argument("--bureau-code", default=seed.DEFAULT_BUREAU_CODE)
        parser.add_argument("--bureau-name", default="")
        parser.add_argument("--user-prefix", default="d",
                            help="accounts are <prefix>_admin, <prefix><n>_safety and <prefix><n>_leader")
        parser.add_argument("--password", default=seed.DEFAULT_PASSWORD)
        parser.add_argument("--replace", action="store_true", help="remove the bureau with this code first")
        parser.add_argument("--no-rollups", action="store_true", help="do not rebuild the daily roll-ups")

    def handle(self, *args, **options):
        schools, days = seed.SIZES.get(options["size"] or "", (None, None))
        schools = options["schools"] or schools
        days = options["days"] or days
        if not schools or not days or schools < 1 or days < 1:
            raise CommandError("give --size, or --schools and --days (both at least 1)")
        if options["size"] == "C" and connection.vendor != "postgresql":
            raise CommandError("size C is for PostgreSQL only")
        opts = seed.Options(schools=schools, days=days, today=options["today"], seed=options["seed"],
                            bureau_code=options["bureau_code"], bureau_name=options["bureau_name"],
                            user_prefix=options["user_prefix"], password=options["password"],
                            replace=options["replace"], rollups=not options["no_rollups"])
        self.stdout.write(f"seed_district: {schools} schools × {days} days up to {opts.today} "
                          f"(seed {opts.seed}, bureau {opts.bureau_code!r}) on {connection.vendor}")
        started = time.monotonic()
        try:
            result = seed.seed(opts, log=self.stdout.write)
        except seed.SeedError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s; period {result.start} – {result.end}")
        self.stdout.write("rows written:")
        for table, count in sorted(result.counts.items(), key=lambda kv: -kv[1]):
            if count:
                self.stdout.write(f"  {table:<32} {count:>12,}")
        shown = seed.DEFAULT_PASSWORD if opts.password == seed.DEFAULT_PASSWORD else "as given"
        self.stdout.write(f"logins (password {shown}): {opts.user_prefix}_admin (bureau), "
                          f"{opts.user_prefix}<n>_safety and {opts.user_prefix}<n>_leader for school n = 1…{schools}")
