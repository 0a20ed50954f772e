"""The base of every user task's form."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Model, QuerySet

from posventa.common.forms import BoundedForm


class TaskForm(BoundedForm):
    """A Django form for one user task. It knows the inbox row it completes
    (`self.task`, with its instance) so it can offer and check choices that
    depend on the process — the customer's products, say."""

    def __init__(self, *args, task=None, **kwargs):
        self.task = task
        super().__init__(*args, **kwargs)

    def task_data(self) -> dict:
        """The cleaned data as process variables: plain values only (model
        instances become their primary key, files are left to the host)."""
        return {name: _plain(value) for name, value in self.cleaned_data.items()}


def _plain(value):
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | QuerySet):  # a multiple choice of rows is a queryset
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str | Decimal | date | datetime) or value is None:
        return value
    if hasattr(value, "read"):  # an uploaded file: the host stores it, not the process
        return None
    return str(value)
