"""The admin speaks Spanish: every section and every list it offers has a
Spanish name, ours and the third-party apps' alike."""

from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from posventa.accounts.models import User

# Names that read the same in both languages.
SAME_IN_BOTH = {"API"}


def _names(language: str, request) -> list[str]:
    with translation.override(language):
        apps = admin.site.get_app_list(request)
        return [str(app["name"]) for app in apps] + [
            str(model["name"]) for app in apps for model in app["models"]
        ]


def test_every_admin_section_and_list_has_a_spanish_name(db):
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", is_staff=True, is_superuser=True, is_active=True)
    english, spanish = _names("en", request), _names("es", request)
    assert len(english) == len(spanish) > 40
    untranslated = sorted(
        en for en, es in zip(english, spanish, strict=True) if en == es and en not in SAME_IN_BOTH
    )
    assert untranslated == []
