"""Every text of the interface has its Spanish, and the compiled catalogue is current.

Plain Python: the .po file is read by hand (multi-line strings, plurals, flags),
the .mo with the standard library's gettext.
"""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[3] / "locale" / "es" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# A few texts and the Spanish the compiled catalogue must give for them.
KNOWN = {
    "Inbox": "Bandeja",
    "My portfolio": "Mi cartera",
    "Take": "Tomar",
    "Release": "Liberar",
    "Log out": "Cerrar sesión",
    "B · Plan change": "B · Cambio de plan",
    "The NIT must contain digits only.": "El NIT debe contener solo dígitos.",
}


def _unquote(line: str) -> str:
    """The text of one quoted .po string, its escapes (\\n, \\", \\\\, \\t) resolved."""
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file, the header and obsolete (#~) entries excluded.

    Each entry: {"msgid", "msgid_plural", "msgctxt", "msgstr": {index: text}, "flags", "line"}.
    """
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None  # where continuation lines go: ("msgid",) or ("msgstr", 1)

    def finish():
        if entry is not None and "msgid" in entry and entry["msgid"] != "":
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        starts_entry = line.startswith(("#", "msgctxt ", "msgid "))
        if entry is None or (starts_entry and entry["msgstr"]):
            # A new entry (also when entries are not separated by a blank line).
            finish()
            entry = {
                "msgid": None,
                "msgid_plural": None,
                "msgctxt": None,
                "msgstr": {},
                "flags": set(),
                "line": number,
            }
            field = None
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry["msgctxt"] = _unquote(line[len("msgctxt ") :])
            field = ("msgctxt",)
        elif line.startswith("msgid_plural "):
            entry["msgid_plural"] = _unquote(line[len("msgid_plural ") :])
            field = ("msgid_plural",)
        elif line.startswith("msgid "):
            entry["msgid"] = _unquote(line[len("msgid ") :])
            entry["line"] = number
            field = ("msgid",)
        elif line.startswith("msgstr["):
            index = int(line[len("msgstr[") : line.index("]")])
            entry["msgstr"][index] = _unquote(line[line.index("]") + 1 :].strip())
            field = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry["msgstr"][0] = _unquote(line[len("msgstr ") :])
            field = ("msgstr", 0)
        elif line.startswith('"') and field is not None:
            text = _unquote(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


def _describe(entry: dict) -> str:
    return f"line {entry['line']}: {entry['msgid']!r}"


def test_every_text_has_its_spanish():
    entries = read_po(PO)
    assert len(entries) > 400, "the catalogue looks truncated"
    untranslated = []
    for entry in entries:
        forms = entry["msgstr"]
        wanted = [0, 1] if entry["msgid_plural"] is not None else [0]
        if any(not forms.get(index) for index in wanted) or not all(forms.values()):
            untranslated.append(_describe(entry))
    fuzzy = [_describe(entry) for entry in entries if "fuzzy" in entry["flags"]]
    problems = [f"empty msgstr, {item}" for item in untranslated]
    problems += [f"marked fuzzy, {item}" for item in fuzzy]
    assert not problems, f"{len(problems)} entries of {PO.name} need work:\n" + "\n".join(problems)


def test_the_compiled_catalogue_is_current():
    assert MO.exists(), f"{MO} is missing: run compilemessages"
    with MO.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    wrong = {
        msgid: catalogue.gettext(msgid)
        for msgid, spanish in KNOWN.items()
        if catalogue.gettext(msgid) != spanish
    }
    assert not wrong, f"{MO.name} gives {wrong}: run compilemessages"
    # Every text of the .po, as the .mo gives it: a .mo older than its .po shows here.
    stale = []
    for entry in read_po(PO):
        if entry["msgctxt"] is not None or "fuzzy" in entry["flags"]:
            continue
        if entry["msgid_plural"] is None:
            got, expected = catalogue.gettext(entry["msgid"]), entry["msgstr"].get(0)
            if expected and got != expected:
                stale.append(_describe(entry))
        else:
            for n, index in ((1, 0), (2, 1)):
                got = catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n)
                expected = entry["msgstr"].get(index)
                if expected and got != expected:
                    stale.append(_describe(entry))
                    break
    assert not stale, (
        f"{MO.name} is older than {PO.name}; run compilemessages. Differs:\n" + "\n".join(stale)
    )


def test_the_reader_handles_multiline_plural_and_fuzzy_entries(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: a.py:1\nmsgid ""\n"Two "\n"lines"\nmsgstr ""\n"Dos "\n"líneas"\n\n'
        '#, python-format\nmsgid "%(count)d item"\nmsgid_plural "%(count)d items"\n'
        'msgstr[0] "%(count)d elemento"\nmsgstr[1] ""\n\n'
        '#, fuzzy, python-format\nmsgid "Say \\"hi\\"\\n"\nmsgstr "Diga \\"hola\\"\\n"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Viejo"\n',
        encoding="utf-8",
    )
    first, second, third = read_po(sample)
    assert (first["msgid"], first["msgstr"]) == ("Two lines", {0: "Dos líneas"})
    assert second["msgid_plural"] == "%(count)d items" and second["msgstr"] == {
        0: "%(count)d elemento",
        1: "",
    }
    assert third["msgid"] == 'Say "hi"\n' and "fuzzy" in third["flags"]
