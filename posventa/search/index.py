"""The header search's indexes, one per database vendor.

Names (a company's legal and trade name, a contact's name, e-mail and phone
digits, a product's service number) are searched by substring, so a plain
B-tree index cannot help (`LIKE '%cala%'`). Each vendor gets what it does
best, over the same "folded" text (ASCII lower case, Spanish accents
removed, phones as digits) so both answer alike:

- PostgreSQL: pg_trgm GIN indexes on an expression, `search_<kind>_text(…)`,
  an IMMUTABLE SQL function; the selectors filter on the same function, so
  the planner uses the index for any `LIKE '%word%'` of three letters or more.
- SQLite: one FTS5 table per searched table with the `trigram` tokenizer
  (substring match, from SQLite 3.34), holding the folded text under the
  row's id, kept in step by triggers on the searched table.

Exact keys (case and work-order numbers, NIT) need no new index: they use
the unique B-tree indexes of their columns.

`install()` is idempotent. The migration calls it, and so does `post_migrate`
(apps.py): Django's SQLite schema editor rebuilds a table to alter it (new
table, copy, drop the old one), and dropping a table drops its triggers; a
missing trigger is put back and its FTS table filled again from scratch.
"""

# Folding: the same mapping in Python, PostgreSQL and SQLite.
_ACCENTED = "ÁÉÍÓÚÜÑáéíóúüñ"
_PLAIN = "aeiouunaeiouun"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FOLD_TABLE = str.maketrans(_ACCENTED + _UPPER, _PLAIN + _UPPER.lower())
# What a phone number may hold besides its digits.
_PHONE_PUNCTUATION = " -+().\t/"


def fold(text: str) -> str:
    """The text as the indexes hold it: Spanish accents removed, ASCII
    letters in lower case (other characters as they are)."""
    return text.translate(_FOLD_TABLE)


def phone_digits(text: str) -> str:
    return "".join(c for c in text if c not in _PHONE_PUNCTUATION)


# The searched tables: their index name, the columns whose change updates the
# index, and the folded text of a row, as SQL over its columns (`{p}` is the
# row's prefix: `new.` in a trigger, nothing in a SELECT). PostgreSQL's body
# is the same text through its own functions (see _PG_FUNCTIONS).
TABLES = {
    "company": {
        "table": "customers_company",
        "columns": ("legal_name", "trade_name"),
    },
    "contact": {
        "table": "customers_contact",
        "columns": ("name", "email", "phone", "whatsapp"),
    },
    "product": {
        "table": "inventory_product",
        "columns": ("service_number",),
    },
}


def _sqlite_fold(sql: str) -> str:
    # lower() folds ASCII only without ICU; the trigram tokenizer folds the
    # case of the rest. Accents go one replace() each.
    for accented, plain in zip(_ACCENTED, _PLAIN, strict=True):
        sql = f"replace({sql}, '{accented}', '{plain}')"
    return f"lower({sql})"


def _sqlite_digits(sql: str) -> str:
    for char in _PHONE_PUNCTUATION:
        literal = char.replace("'", "''")
        sql = f"replace({sql}, '{literal}', '')"
    return sql


def _sqlite_body(kind: str, p: str) -> str:
    if kind == "company":
        return _sqlite_fold(f"{p}legal_name || ' ' || {p}trade_name")
    if kind == "contact":
        return (
            f"{_sqlite_fold(f'{p}name')} || ' ' || {_sqlite_fold(f'{p}email')}"
            f" || ' ' || {_sqlite_digits(f'{p}phone')} || ' ' || {_sqlite_digits(f'{p}whatsapp')}"
        )
    return _sqlite_fold(f"{p}service_number")


def fts_table(kind: str) -> str:
    return f"search_{kind}_fts"


def _sqlite_statements(kind: str) -> list[str]:
    table, fts = TABLES[kind]["table"], fts_table(kind)
    columns = ", ".join(TABLES[kind]["columns"])
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(body, tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, body) VALUES (new.id, {_sqlite_body(kind, 'new.')}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {columns} ON {table} BEGIN"
        f" UPDATE {fts} SET body = {_sqlite_body(kind, 'new.')} WHERE rowid = new.id; END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN"
        f" DELETE FROM {fts} WHERE rowid = old.id; END",
    ]


def _sqlite_refill(kind: str) -> list[str]:
    table, fts = TABLES[kind]["table"], fts_table(kind)
    return [
        f"DELETE FROM {fts}",
        f"INSERT INTO {fts}(rowid, body) SELECT id, {_sqlite_body(kind, '')} FROM {table}",
    ]


# PostgreSQL: ASCII lower case by translate() (lower() would depend on the
# database's locale), accents by the same table. Each function holds only
# built-ins: an index expression must not depend on the search_path (a
# restore runs with an empty one).
def _pg_fold(sql: str) -> str:
    return f"translate({sql}, '{_ACCENTED + _UPPER}', '{_PLAIN + _UPPER.lower()}')"


def _pg_digits(sql: str) -> str:
    return f"translate({sql}, '{_PHONE_PUNCTUATION}', '')"


_PG_BODIES = {
    "company": ("text, text", _pg_fold("$1 || ' ' || $2")),
    "contact": (
        "text, text, text, text",
        f"{_pg_fold('$1')} || ' ' || {_pg_fold('$2')} || ' ' || {_pg_digits('$3')}"
        f" || ' ' || {_pg_digits('$4')}",
    ),
    "product": ("text", _pg_fold("$1")),
}


def pg_function(kind: str) -> str:
    return f"search_{kind}_text"


def pg_index(kind: str) -> str:
    return f"search_{kind}_trgm"


def _pg_statements(kind: str) -> str:
    table, columns = TABLES[kind]["table"], ", ".join(TABLES[kind]["columns"])
    return (
        f"CREATE INDEX IF NOT EXISTS {pg_index(kind)} ON {table}"
        f" USING gin ({pg_function(kind)}({columns}) gin_trgm_ops)"
    )


def install(connection) -> None:
    """Create what is missing of the search indexes on this connection's
    database (and, on SQLite, fill an FTS table whose triggers were missing)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for kind in TABLES:
                arguments, body = _PG_BODIES[kind]
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {pg_function(kind)}({arguments}) RETURNS text"
                    f" LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {body} $$"
                )
                cursor.execute(_pg_statements(kind))
        elif connection.vendor == "sqlite":
            for kind in TABLES:
                fts = fts_table(kind)
                cursor.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                    " (%s, %s, %s)",
                    [f"{fts}_insert", f"{fts}_update", f"{fts}_delete"],
                )
                complete = cursor.fetchone()[0] == 3
                for statement in _sqlite_statements(kind):
                    cursor.execute(statement)
                if not complete:
                    for statement in _sqlite_refill(kind):
                        cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for kind in TABLES:
                cursor.execute(f"DROP INDEX IF EXISTS {pg_index(kind)}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {pg_function(kind)}")
        elif connection.vendor == "sqlite":
            for kind in TABLES:
                fts = fts_table(kind)
                for suffix in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
