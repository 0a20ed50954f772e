from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "posventa.cases"

    def ready(self):
        from posventa.cases import process_hooks

        process_hooks.connect()
