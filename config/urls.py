from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from posventa.api.api import api
from posventa.common import health

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("entrar/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    # Changing one's password and resetting it by e-mail (/cuenta/contrasena/, /entrar/olvide/…).
    path("", include("posventa.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The TM Forum Open API facades and their event hubs (docs/tmf.md).
    path("tmf-api/", include("posventa.tmf.urls")),
    path("", include("posventa.customers.urls")),
    path("", include("posventa.cases.urls")),
    path("", include("posventa.workorders.urls")),
    path("", include("posventa.claims.urls")),
    path("", include("posventa.indicators.urls")),
    path("", include("posventa.campaigns.urls")),
    path("", include("posventa.collections.urls")),
    path("", include("posventa.reviews.urls")),
    path("", include("posventa.visits.urls")),
    path("", include("posventa.imports.urls")),
    path("", include("posventa.search.urls")),
    path("", include("posventa.channels.urls")),
    path("", include("posventa.web.urls")),
]
