"""/tmf-api/: the TM Forum Open API facades (posventa/tmf/api.py)."""

urlpatterns: list = []
