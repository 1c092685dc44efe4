"""Background tasks of the grids app (Django tasks API; `manage.py db_worker` runs them)."""

from django_tasks import task


@task()
def check_roster_import(import_id: int) -> None:
    """Read and validate an uploaded roster workbook into its list of differences or errors."""
    from .roster import jobs

    jobs.check(import_id)


@task()
def apply_roster_import(import_id: int) -> None:
    """Apply a confirmed roster import in one transaction, reporting progress as it goes."""
    from .roster import jobs

    jobs.apply(import_id)
