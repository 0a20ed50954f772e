from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "posventa.engine"
    verbose_name = "BPMN engine"
