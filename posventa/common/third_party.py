"""The admin in Spanish where third-party apps are not: axes names its
section "Axes", and django-q2 ships no Spanish for its task lists. Their
texts are marked here so that our catalogue (locale/, read before any
package's) translates them."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(AxesAppConfig):
    """django-axes under a name the team reads (INSTALLED_APPS uses this)."""

    verbose_name = _("Login lockouts")


# django-q2's model names as its admin lists them.
DJANGO_Q_TEXTS = (
    gettext_noop("Task"),
    gettext_noop("Tasks"),
    gettext_noop("Successful task"),
    gettext_noop("Successful tasks"),
    gettext_noop("Failed task"),
    gettext_noop("Failed tasks"),
    gettext_noop("Scheduled task"),
    gettext_noop("Scheduled tasks"),
    gettext_noop("Queued task"),
    gettext_noop("Queued tasks"),
)
