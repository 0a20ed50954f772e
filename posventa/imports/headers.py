"""Which column of a file is which field: the headers the commercial system
writes (and their usual synonyms), matched case, accents and spacing aside,
plus the mappings a person saved once (`ColumnMapping`), which come first.
Also the guess of what a file holds, from its headers or else its name.
"""

import re

from posventa.imports.models import ColumnMapping, Entity
from posventa.imports.values import fold

# Words a header may carry or leave out without changing what it means
# ("Nro. de servicio", "Número servicio", "N° del servicio", "Monto (Bs)").
_NOISE = {"de", "del", "la", "el", "los", "las", "en", "bs", "bob"}
_NUMBER = {"nro", "no", "n", "num", "numero", "number", "nr", "nmero"}

# field -> the headers that mean it, the preferred first: when two columns
# of one file fit a field, the one with the earlier synonym takes it.
_NIT = ("NIT", "NIT del cliente", "NIT empresa", "Número de NIT", "NIT/CI")
_SERVICE_NUMBER = (
    "Número de servicio",
    "Nro. servicio",
    "Número de línea",
    "Línea",
    "Número de teléfono",
    "Cuenta de servicio",
)
_ZONE = ("Zona",)
_NEIGHBOURHOOD = ("Barrio", "Urbanización", "Barrio/Urbanización", "Villa")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    Entity.COMPANIES: {
        "nit": _NIT,
        "legal_name": (
            "Razón social",
            "Nombre o razón social",
            "Nombre del cliente",
            "Cliente",
            "Empresa",
            "Nombre de la empresa",
        ),
        "trade_name": ("Nombre comercial", "Nombre de fantasía", "Marca"),
        "address": ("Dirección", "Dirección fiscal", "Domicilio", "Domicilio fiscal"),
        "zone": _ZONE,
        "neighbourhood": _NEIGHBOURHOOD,
        "city": ("Ciudad", "Localidad", "Municipio"),
        "is_public_institution": (
            "Institución pública",
            "Entidad pública",
            "Es institución pública",
            "Sector público",
            "Pública",
        ),
        "executive": (
            "Ejecutiva",
            "Ejecutivo",
            "Ejecutiva de cuenta",
            "Ejecutivo de cuenta",
            "Ejecutiva comercial",
            "Ejecutivo comercial",
            "Ejecutivo/a",
            "Asesor",
            "Asesora",
            "Cartera",
        ),
    },
    Entity.CONTACTS: {
        "nit": _NIT,
        "name": ("Nombre", "Nombre del contacto", "Contacto", "Nombre completo"),
        "position": ("Cargo", "Puesto"),
        "phone": ("Teléfono", "Teléfono fijo", "Tel", "Fono"),
        "whatsapp": ("WhatsApp", "Celular", "Móvil", "Número de WhatsApp"),
        "email": ("Correo", "Correo electrónico", "E-mail", "Email", "Mail"),
        "preferred_channel": ("Canal preferido", "Canal", "Medio preferido"),
        "is_primary": ("Principal", "Contacto principal", "Es principal"),
    },
    Entity.PRODUCTS: {
        "service_number": _SERVICE_NUMBER,
        "nit": _NIT,
        "plan": ("Plan", "Código de plan", "Nombre del plan", "Plan comercial", "Plan tarifario"),
        "technology": ("Tecnología", "Red", "Red de acceso", "Tipo de red", "Medio de acceso"),
        "installation_address": (
            "Dirección de instalación",
            "Dirección",
            "Domicilio de instalación",
            "Dirección del servicio",
        ),
        "zone": _ZONE,
        "neighbourhood": _NEIGHBOURHOOD,
        "installed_on": (
            "Fecha de instalación",
            "Instalación",
            "Fecha de alta",
            "Fecha de activación",
        ),
        "minimum_permanence_months": (
            "Permanencia mínima",
            "Permanencia mínima (meses)",
            "Permanencia",
            "Meses de permanencia",
            "Plazo mínimo",
        ),
        "status": ("Estado", "Estado del servicio", "Situación"),
        "withdrawn_on": ("Fecha de retiro", "Fecha de baja", "Retiro", "Baja"),
    },
    Entity.SERVICES: {
        "service_number": _SERVICE_NUMBER,
        "service": (
            "Servicio",
            "Servicio suplementario",
            "Código de servicio",
            "Servicio adicional",
            "Facilidad",
        ),
        "enabled_on": ("Fecha de habilitación", "Habilitado desde", "Fecha de alta", "Fecha"),
        "enabled": ("Habilitado", "Activo", "Estado"),
    },
    Entity.EQUIPMENT: {
        "serial": ("Serie", "Número de serie", "Serial", "S/N", "SN"),
        "service_number": _SERVICE_NUMBER,
        "kind": ("Tipo", "Tipo de equipo", "Equipo"),
        "returned_on": ("Fecha de devolución", "Devuelto el", "Devolución"),
        "return_condition": (
            "Estado de devolución",
            "Condición de devolución",
            "Estado del equipo",
            "Condición",
            "Estado",
        ),
        "missing_parts": ("Partes faltantes", "Accesorios faltantes", "Faltantes"),
        "return_note": (
            "Nota de devolución",
            "Observación",
            "Observaciones",
            "Nota",
            "Detalle del daño",
        ),
    },
    Entity.INVOICES: {
        "number": ("Número de factura", "Factura", "Nro. factura"),
        "service_number": _SERVICE_NUMBER,
        "period": ("Periodo", "Período", "Mes", "Periodo facturado", "Mes facturado"),
        "amount": ("Monto", "Monto (Bs)", "Importe", "Monto facturado", "Total", "Total factura"),
        "due_date": ("Vencimiento", "Fecha de vencimiento", "Vence"),
        "amount_paid": ("Pagado hasta hoy", "Pagado", "Monto pagado", "Abonado"),
        "paid_on": ("Fecha de pago", "Pagada el", "Fecha pago"),
    },
    Entity.PAYMENTS: {
        "reference": (
            "Referencia",
            "Referencia de pago",
            "Número de transacción",
            "Transacción",
            "Número de recibo",
            "Recibo",
            "Comprobante",
        ),
        "invoice_number": ("Número de factura", "Factura", "Nro. factura"),
        "paid_on": ("Fecha de pago", "Fecha", "Fecha del pago"),
        "amount": ("Monto", "Monto (Bs)", "Importe", "Monto pagado", "Pagado"),
    },
}

# Words of a file's name that say what it holds (clientes_2026-10.xlsx).
_NAME_WORDS: dict[str, tuple[str, ...]] = {
    Entity.COMPANIES: ("empresas", "empresa", "clientes", "cliente", "companies", "cartera"),
    Entity.CONTACTS: ("contactos", "contacto", "contacts"),
    Entity.PRODUCTS: ("productos", "producto", "products", "instalados"),
    Entity.SERVICES: ("suplementarios", "suplementario", "services"),
    Entity.EQUIPMENT: ("equipos", "equipo", "equipment", "comodato"),
    Entity.INVOICES: ("facturas", "factura", "facturacion", "invoices"),
    Entity.PAYMENTS: ("pagos", "pago", "cobranzas", "recaudaciones", "payments"),
}


def header_key(header) -> str:
    """A header as looked up: folded, "número"-like words as one, small words
    out ("N° de Servicio" and "nro servicio" are the same key)."""
    words = []
    for word in fold(header).split():
        if word in _NUMBER:
            word = "numero"
        if word not in _NOISE:
            words.append(word)
    return " ".join(words)[:100]


_KEYS: dict[str, dict[str, tuple[str, int]]] = {
    entity: {
        header_key(synonym): (field, rank)
        for field, synonyms in reversed(fields.items())
        for rank, synonym in enumerate(synonyms)
    }
    for entity, fields in SYNONYMS.items()
}


def saved_mappings(entity: str) -> dict[str, str]:
    """header key -> field (or "" for a column left out), as people saved them."""
    return dict(ColumnMapping.objects.filter(entity=entity).values_list("header_key", "field"))


def auto_mapping(
    entity: str, headers: list[str], saved: dict[str, str] | None = None
) -> dict[str, str]:
    """{header as written: field or ""} for every header of the file: the
    saved mapping first, else a known synonym. A field taken by two columns
    goes to the saved one, then to the better synonym; the other gets ""."""
    from posventa.imports.entities import spec_for

    fields = {field.name for field in spec_for(entity).fields}
    saved = saved_mappings(entity) if saved is None else saved
    known = _KEYS[entity]
    best: dict[str, tuple[int, str]] = {}  # field -> (rank, header)
    mapping: dict[str, str] = {}
    for header in headers:
        if header in mapping or not header:
            continue  # a repeated or empty header: its column is left out
        key = header_key(header)
        mapping[header] = ""
        if key in saved:
            field, rank = saved[key], -1
        elif key in known:
            field, rank = known[key]
        else:
            continue
        if field not in fields:
            continue
        if field not in best or rank < best[field][0]:
            best[field] = (rank, header)
    for field, (_rank, header) in best.items():
        mapping[header] = field
    return mapping


def missing_required(entity: str, mapping: dict[str, str]) -> list[str]:
    """The required fields no column is mapped to, in the entity's order."""
    from posventa.imports.entities import spec_for

    mapped = set(mapping.values())
    return [f.name for f in spec_for(entity).fields if f.required and f.name not in mapped]


def columns(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """field -> index of its column in the file (the first column with that header)."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = mapping.get(header, "")
        if field and field not in found:
            found[field] = index
    return found


def guess_entity(headers: list[str], file_name: str = "") -> str | None:
    """What a file holds: the entity whose required fields all have a column
    and which explains the most columns; else the one its name says
    (empresas.xlsx, pagos_octubre.csv); else None."""
    saved_all: dict[str, dict[str, str]] = {entity: {} for entity in SYNONYMS}
    for entity, key, field in ColumnMapping.objects.values_list("entity", "header_key", "field"):
        if entity in saved_all:
            saved_all[entity][key] = field
    candidates = []
    for entity in SYNONYMS:
        mapping = auto_mapping(entity, headers, saved_all[entity])
        if not missing_required(entity, mapping):
            candidates.append((sum(1 for field in mapping.values() if field), entity))
    by_name = entity_from_name(file_name)
    if candidates:
        top = max(score for score, _entity in candidates)
        best = [entity for score, entity in candidates if score == top]
        if len(best) == 1:
            return best[0]
        if by_name in best:
            return by_name
        return None
    return by_name


def entity_from_name(file_name: str) -> str | None:
    words = set(re.split(r"[^a-z]+", fold(file_name or "").replace(" ", "_")))
    found = [entity for entity, names in _NAME_WORDS.items() if words & set(names)]
    return found[0] if len(found) == 1 else None
