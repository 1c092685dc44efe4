"""Background tasks of the ledgers app (Django tasks API; `manage.py db_worker` runs them)."""

from django_tasks import task


@task()
def build_ledger(ledger_id: int) -> None:
    """Draw up a requested safety ledger (安全台账) as a PDF and store it, or record why it failed."""
    from . import jobs

    jobs.build(ledger_id)
