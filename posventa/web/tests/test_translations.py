"""Every text of the interface has its Spanish, and the compiled catalogue is current."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def entries(po: str):
    """(msgid, [msgstr…], flags) of each entry of a .po file, header excluded."""
    for block in po.split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        body = "\n".join(line for line in block.splitlines() if not line.startswith("#"))
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', body, re.M)
        if msgid is None:
            continue
        text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not text:
            continue  # the header
        strings = [
            "".join(re.findall(r'"(.*)"', m.group(1)))
            for m in re.finditer(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', body, re.M)
        ]
        yield text, strings, flags


def test_every_text_has_its_spanish():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    untranslated = [m for m, strings, _ in entries(po) if not all(strings)]
    fuzzy = [m for m, _, flags in entries(po) if "fuzzy" in flags]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_texts():
    with (LOCALE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    for msgid, strings, _ in entries(po):
        if len(strings) == 1:
            assert catalogue.gettext(msgid.replace('\\"', '"')) == strings[0].replace('\\"', '"')
