from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every row knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Channel(models.TextChoices):
    """How a customer reaches us, or we reach them (the manual's channels)."""

    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class WorkerHeartbeat(models.Model):
    """The job worker's sign of life: a scheduled job (`common.jobs.heartbeat`)
    stamps this row every minute, and the readiness URL reports the site not
    ready when the stamp is too old (timers, the 24-hour watch and e-mails
    would silently stop without a worker)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class DeferredJob(models.Model):
    """A job the broker (Redis) refused when it was enqueued (`common.queue.enqueue`):
    kept here instead of failing the request whose change already committed,
    and moved to the broker by `common.queue_jobs.relay_deferred` (every
    minute) once it answers again. The row is deleted in the transaction that
    hands the job over."""

    func = models.CharField(_("function"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    timeout = models.PositiveIntegerField(_("timeout (seconds)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("hand-over attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("deferred job")
        verbose_name_plural = _("deferred jobs")

    def __str__(self) -> str:
        return f"{self.func} #{self.pk}"
