from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "posventa.common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from posventa.common.middleware import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="posventa.mark_session_seen")

        from posventa.common import converters, lookups

        lookups.register()  # a hostile id in `id__in` matches nothing instead of failing
        converters.register()  # <id:pk> in the addresses: an id beyond 64 bits is a 404

        from posventa.common import audit

        audit.register()  # the back office's audit trail: what is audited, and why
