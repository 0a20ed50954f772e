"""The demo's fixed material: team, plans, places, companies and phrases.

Every name here is fictitious. The generator (`portfolio.py`) combines these
tables with a seeded random generator, so the same date always gives the same
portfolio.
"""

from posventa.accounts.roles import Role

# One password for every demo login, printed by `manage.py demo`.
DEMO_PASSWORD = "posventa2026"

ADMIN_USERNAME = "admin"

# (username, role, first name, last name)
TEAM = [
    ("ejecutiva", Role.EXECUTIVE, "Mariela", "Rocha Vargas"),
    ("ejecutivo2", Role.EXECUTIVE, "Jorge Luis", "Antezana Claure"),
    ("ejecutiva3", Role.EXECUTIVE, "Roxana", "Guzmán Terrazas"),
    ("ejecutivo4", Role.EXECUTIVE, "Marco Antonio", "Zurita Céspedes"),
    ("gestor_comercial", Role.COMMERCIAL_MANAGER, "Luis Fernando", "Arnez Rojas"),
    ("gestor_tecnico", Role.TECHNICAL_MANAGER, "Wilson", "Mamani Quispe"),
    ("analista", Role.TECHNICAL_ANALYST, "Daniela", "Camacho Soria"),
    ("responsable", Role.TEAM_LEAD, "Patricia", "Salazar Orellana"),
    ("jefe_division", Role.DIVISION_HEAD, "Ramiro", "Villarroel Mercado"),
]

# Each one's own title, as she signs the documents she issues.
JOB_TITLES = {
    "ejecutiva": "Ejecutiva de Cuentas Empresas",
    "ejecutivo2": "Ejecutivo de Cuentas Empresas",
    "ejecutiva3": "Ejecutiva de Cuentas Empresas",
    "ejecutivo4": "Ejecutivo de Cuentas Empresas",
    "gestor_comercial": "Gestor Comercial Empresas",
    "gestor_tecnico": "Gestor Técnico Empresas",
    "analista": "Analista Técnica Empresas",
    "responsable": "Responsable Equipo Segmento Empresas",
    "jefe_division": "Jefe Div. Gestión Integral Territorios",
}

# The manual's names for the roles, as the team says them.
ROLE_LABELS_ES = {
    Role.EXECUTIVE: "Ejecutiva(o) Equipo Empresas",
    Role.COMMERCIAL_MANAGER: "Gestor(a) Comercial Empresas",
    Role.TECHNICAL_MANAGER: "Gestor(a) Técnico Empresas",
    Role.TECHNICAL_ANALYST: "Analista Técnico Empresas",
    Role.TEAM_LEAD: "Responsable Equipo Empresas",
    Role.DIVISION_HEAD: "Jefe Div. Gestión Integral Territorios",
}
ADMIN_LABEL_ES = "Administrador (/admin/)"

# (code, name, product type, monthly price in Bs, technologies it is sold on).
# Copper (xDSL) reaches 20 Mbps; faster plans are sold on fiber only. Multipack
# plans get their basic-telephony part (Bs 70) from the tariff table.
COPPER, FIBER = "copper", "fiber"
BOTH = (COPPER, FIBER)
# fmt: off
PLANS = [
    ("LF-BASICA", "Línea Empresarial Básica", "fixed_line", "75.00", BOTH),
    ("LF-LOCAL-ILIMITADA", "Línea Empresarial Local Ilimitada", "fixed_line", "135.00", BOTH),
    ("LF-CENTREX", "Línea Empresarial Centrex", "fixed_line", "190.00", BOTH),
    ("INT-10", "Internet Empresarial 10 Mbps", "internet", "250.00", BOTH),
    ("INT-20", "Internet Empresarial 20 Mbps", "internet", "380.00", BOTH),
    ("INT-50", "Internet Empresarial 50 Mbps", "internet", "560.00", (FIBER,)),
    ("INT-100", "Internet Empresarial 100 Mbps", "internet", "840.00", (FIBER,)),
    ("INT-300", "Internet Empresarial 300 Mbps", "internet", "1650.00", (FIBER,)),
    ("TV-BASICO", "TV Cable Empresarial Básico", "pay_tv", "120.00", BOTH),
    ("TV-HD", "TV Cable Empresarial HD", "pay_tv", "185.00", BOTH),
    ("TV-HOTELERO", "TV Cable Hotelero (hasta 20 puntos)", "pay_tv", "780.00", BOTH),
    ("DUO-20", "Duo Pack Empresa: línea + internet 20 Mbps", "duo_pack", "430.00", BOTH),
    ("DUO-50", "Duo Pack Empresa: línea + internet 50 Mbps", "duo_pack", "590.00", (FIBER,)),
    ("MP-20", "Multipack Empresa: línea + internet 20 Mbps + TV", "multipack", "560.00", BOTH),
    ("MP-50", "Multipack Empresa: línea + internet 50 Mbps + TV HD",
     "multipack", "720.00", (FIBER,)),
    ("MP-100", "Multipack Empresa: línea + internet 100 Mbps + TV HD",
     "multipack", "960.00", (FIBER,)),
    ("HSPA-10GB", "HSPA Empresa 10 GB", "hspa", "99.00", ()),
    ("HSPA-30GB", "HSPA Empresa 30 GB", "hspa", "179.00", ()),
    ("HSPA-60GB", "HSPA Empresa 60 GB", "hspa", "289.00", ()),
    ("LD-NACIONAL", "Boliviatel Larga Distancia Nacional, tarifa plana",
     "boliviatel_ld", "60.00", ()),
    ("LD-NAC-INTL", "Boliviatel Larga Distancia Nacional e Internacional",
     "boliviatel_ld", "150.00", ()),
]
# fmt: on

# key: (zone, neighbourhood, city, streets)
# fmt: off
PLACES = {
    "queru_queru": ("Zona Norte", "Queru Queru", "Cochabamba", [
        "Av. Santa Cruz", "Calle Potosí", "Av. Melchor Urquidi", "Calle Pasoskanki",
    ]),
    "cala_cala": ("Zona Noroeste", "Cala Cala", "Cochabamba", [
        "Av. Simón López", "Av. Libertador Bolívar", "Calle Man Césped", "Calle Teófilo Vargas",
    ]),
    "sarco": ("Zona Oeste", "Sarco", "Cochabamba", [
        "Av. Juan de la Rosa", "Av. Circunvalación", "Calle Pedro Borda",
    ]),
    "tupuraya": ("Zona Este", "Tupuraya", "Cochabamba", [
        "Av. Rubén Darío", "Calle Pedro de la Gasca", "Av. Oquendo",
    ]),
    "hipodromo": ("Zona Sudoeste", "Hipódromo", "Cochabamba", [
        "Av. Tadeo Haenke", "Calle Gualberto Villarroel", "Av. Perú",
    ]),
    "muyurina": ("Zona Este", "Muyurina", "Cochabamba", [
        "Av. Oquendo", "Calle Mayor Rocha", "Calle Manuel Ascencio Villarroel",
    ]),
    "casco_viejo": ("Zona Central", "Casco Viejo", "Cochabamba", [
        "Calle España", "Calle 25 de Mayo", "Av. Heroínas", "Calle Sucre", "Calle Jordán",
        "Calle Baptista", "Calle Esteban Arce", "Av. Ayacucho",
    ]),
    "zona_sud": ("Zona Sud", "Jaihuayco", "Cochabamba", [
        "Av. Petrolera", "Av. 6 de Agosto", "Av. Siglo XX",
    ]),
    "sacaba": ("Sacaba", "Centro de Sacaba", "Sacaba", [
        "Av. Villazón", "Calle Bolívar", "Calle Comercio",
    ]),
    "quillacollo": ("Quillacollo", "Centro de Quillacollo", "Quillacollo", [
        "Av. Blanco Galindo", "Calle Héroes del Chaco", "Av. Martín Cárdenas",
    ]),
    "tiquipaya": ("Tiquipaya", "Linde", "Tiquipaya", [
        "Av. Ecológica", "Calle Cochabamba", "Av. Reducto",
    ]),
    "colcapirhua": ("Colcapirhua", "Centro de Colcapirhua", "Colcapirhua", [
        "Av. Blanco Galindo", "Av. Capitán Víctor Ustariz",
    ]),
}
# fmt: on

# (legal name, trade name, sector, size, public institution, place key).
# Size S/M/L decides how many products the company has.
# fmt: off
COMPANIES = [
    # Public institutions: they pay through SIGEP.
    ("Gobernación de Cochabamba - Servicio Departamental de Riego Tunari",
     "SEDERT", "public", "L", True, "casco_viejo"),
    ("Gobernación de Cochabamba - Unidad Departamental de Turismo Valle Central",
     "", "public", "M", True, "casco_viejo"),
    ("Gobierno Autónomo Municipal de Sacaba - Dirección de Catastro Urbano",
     "", "public", "M", True, "sacaba"),
    ("Gobierno Autónomo Municipal de Quillacollo - Dirección de Tránsito y Vialidad",
     "", "public", "M", True, "quillacollo"),
    ("Gobierno Autónomo Municipal de Tiquipaya - Unidad de Medio Ambiente",
     "", "public", "S", True, "tiquipaya"),
    ("Universidad Pública de los Valles", "UPV", "university", "L", True, "muyurina"),
    ("Hospital Municipal Los Molles", "", "hospital", "L", True, "zona_sud"),
    ("Servicio Municipal de Agua Potable Colcapirhua Sur",
     "SEMAPCOS", "public", "M", True, "colcapirhua"),
    ("Instituto Técnico Superior Público Valle Alto", "", "school", "M", True, "sacaba"),
    ("Dirección Distrital de Educación Colcapirhua", "", "public", "S", True, "colcapirhua"),
    # Private companies.
    ("Lácteos Valle Alto S.R.L.", "Lácteos Valle Alto", "agro", "L", False, "quillacollo"),
    ("Curtiembre San Rafael Ltda.", "", "industry", "M", False, "zona_sud"),
    ("Clínica Cala Cala Salud S.R.L.", "Clínica Cala Cala", "clinic", "L", False, "cala_cala"),
    ("Hotel Tunari Plaza S.A.", "Hotel Tunari Plaza", "hotel", "L", False, "casco_viejo"),
    ("Bufete Rocabado & Asociados S.R.L.", "", "law", "S", False, "queru_queru"),
    ("Colegio Particular Los Álamos S.R.L.",
     "Colegio Los Álamos", "school", "M", False, "cala_cala"),
    ("Transportes Illimani del Valle S.R.L.",
     "Trans Illimani", "transport", "M", False, "zona_sud"),
    ("Avícola Tiquipaya S.R.L.", "", "agro", "M", False, "tiquipaya"),
    ("Metalúrgica Andina Tupuraya Ltda.", "", "industry", "S", False, "tupuraya"),
    ("Distribuidora Farmacéutica Valle Sano S.R.L.",
     "Valle Sano", "trade", "M", False, "hipodromo"),
    ("Constructora Tunari Ingeniería S.A.", "", "construction", "M", False, "queru_queru"),
    ("Molinera Capinota S.R.L.", "", "agro", "M", False, "quillacollo"),
    ("Chocolates Tupuraya S.R.L.", "", "industry", "S", False, "tupuraya"),
    ("Clínica Odontológica Sonrisa Andina S.R.L.",
     "Sonrisa Andina", "clinic", "S", False, "queru_queru"),
    ("Hotel Boutique Casa Muyurina S.R.L.", "Casa Muyurina", "hotel", "M", False, "muyurina"),
    ("Hostal Jardín de Sarco S.R.L.", "", "hotel", "S", False, "sarco"),
    ("Estudio Jurídico Ferrufino Claros S.R.L.", "", "law", "S", False, "casco_viejo"),
    ("Consultora Contable Mercado & Vargas S.R.L.", "", "services", "S", False, "casco_viejo"),
    ("Cooperativa de Ahorro y Crédito Valle Fértil Ltda.",
     "CAC Valle Fértil", "finance", "L", False, "casco_viejo"),
    ("Trans Frío Cochabamba S.R.L.", "", "transport", "M", False, "colcapirhua"),
    ("Textiles Quillacollo S.A.", "Texquilla", "industry", "L", False, "quillacollo"),
    ("Plásticos del Valle S.R.L.", "", "industry", "M", False, "zona_sud"),
    ("Agroindustrias Sacaba S.A.", "Agrosacaba", "agro", "L", False, "sacaba"),
    ("Flores del Tunari S.R.L.", "", "agro", "S", False, "tiquipaya"),
    ("Centro Médico Hipódromo S.R.L.", "", "clinic", "M", False, "hipodromo"),
    ("Laboratorio Clínico Biovalle S.R.L.", "Biovalle", "clinic", "S", False, "cala_cala"),
    ("Instituto de Idiomas Cala Cala S.R.L.", "", "school", "S", False, "cala_cala"),
    ("Unidad Educativa Privada Nuevo Horizonte S.R.L.",
     "Colegio Nuevo Horizonte", "school", "M", False, "queru_queru"),
    ("Gastronomía Casco Viejo S.R.L.", "", "services", "S", False, "casco_viejo"),
    ("Supermercados Valle Prado S.A.", "Valle Prado", "trade", "M", False, "queru_queru"),
    ("Ferretería Industrial Blanco Galindo S.R.L.", "", "trade", "S", False, "colcapirhua"),
    ("Importadora Automotriz Americana S.R.L.", "", "trade", "M", False, "hipodromo"),
    ("Taller Diésel Tupuraya Ltda.", "", "transport", "S", False, "tupuraya"),
    ("Seguridad Privada Halcón Andino S.R.L.", "Halcón Andino", "services", "M", False, "sarco"),
    ("Valle Comunicaciones Radio y TV S.R.L.", "", "services", "M", False, "cala_cala"),
    ("Imprenta Gráfica Muyurina S.R.L.", "", "industry", "S", False, "muyurina"),
    ("Arquitectura y Diseño Sarco S.R.L.", "", "services", "S", False, "sarco"),
    ("Ingeniería Eléctrica Elecsur S.R.L.", "Elecsur", "construction", "S", False, "zona_sud"),
    ("Lavandería Industrial Limpia Valle S.R.L.", "", "services", "S", False, "sacaba"),
    ("Agencia de Viajes Tunari Tours S.R.L.",
     "Tunari Tours", "services", "S", False, "casco_viejo"),
    ("Embotelladora Aguas del Tunari S.A.",
     "Aguas del Tunari", "industry", "L", False, "quillacollo"),
    ("Granja Porcina El Paso S.R.L.", "", "agro", "S", False, "quillacollo"),
    ("Cerámica Roja Colcapirhua S.R.L.", "", "industry", "M", False, "colcapirhua"),
    ("Centro de Diálisis Valle Salud S.R.L.", "", "clinic", "S", False, "tupuraya"),
    ("Logística Andina Cargo S.R.L.", "Andina Cargo", "transport", "M", False, "sacaba"),
    ("Auditores Asociados del Valle S.R.L.", "", "services", "S", False, "queru_queru"),
    ("Instituto Técnico Privado Tecnovalle S.R.L.", "Tecnovalle", "school", "S", False, "sarco"),
    ("Inmobiliaria Queru Queru S.A.", "", "services", "S", False, "queru_queru"),
    ("Panificadora La Espiga Dorada S.R.L.",
     "La Espiga Dorada", "industry", "S", False, "hipodromo"),
    ("Hotel Ejecutivo Ayacucho S.R.L.", "", "hotel", "M", False, "casco_viejo"),
]
# fmt: on

FEMALE_NAMES = [
    "María Elena",
    "Roxana",
    "Patricia",
    "Carla",
    "Verónica",
    "Ximena",
    "Gabriela",
    "Lorena",
    "Silvia",
    "Jhanet",
    "Marisol",
    "Paola",
    "Ana María",
    "Rosario",
    "Cecilia",
    "Giovanna",
    "Wendy",
    "Karina",
    "Claudia",
    "Sonia",
    "Miriam",
    "Fabiola",
    "Lizeth",
    "Mónica",
    "Vania",
]
MALE_NAMES = [
    "Jorge",
    "Juan Carlos",
    "Édgar",
    "Freddy",
    "Gonzalo",
    "Rodrigo",
    "Álvaro",
    "Sergio",
    "Víctor Hugo",
    "José Luis",
    "Mauricio",
    "Rubén",
    "Grover",
    "Franz",
    "Marcelo",
    "Óscar",
    "Willy",
    "Henry",
    "Javier",
    "René",
    "Omar",
    "Fernando",
    "Rolando",
    "Iván",
    "Boris",
]
SURNAMES = [
    "Rocha",
    "Vargas",
    "Antezana",
    "Claure",
    "Guzmán",
    "Terrazas",
    "Zurita",
    "Céspedes",
    "Montaño",
    "Saavedra",
    "Arnez",
    "Rojas",
    "Mamani",
    "Quispe",
    "Camacho",
    "Soria",
    "Salazar",
    "Orellana",
    "Villarroel",
    "Mercado",
    "Ferrufino",
    "Galindo",
    "Gutiérrez",
    "Choque",
    "Flores",
    "Torrico",
    "Vallejos",
    "Siles",
    "Cabrera",
    "Rodríguez",
    "Fernández",
    "Pérez",
    "Escóbar",
    "Balderrama",
    "Crespo",
    "Heredia",
    "Jaldín",
    "Ledezma",
    "Lora",
    "Mendoza",
    "Meruvia",
    "Paniagua",
    "Pinto",
    "Rivero",
    "Sejas",
    "Sánchez",
    "Urquidi",
    "Veizaga",
    "Zambrana",
    "Aguilar",
    "Alcócer",
    "Coca",
    "Coronado",
    "Encinas",
    "Ugarte",
    "Almanza",
    "Arce",
    "Ovando",
    "Peredo",
    "Montenegro",
]

# (male form, female form)
PRIVATE_POSITIONS = [
    ("Gerente General", "Gerente General"),
    ("Gerente Administrativo", "Gerente Administrativa"),
    ("Jefe de Sistemas", "Jefa de Sistemas"),
    ("Contador General", "Contadora General"),
    ("Encargado de Compras", "Encargada de Compras"),
    ("Administrador", "Administradora"),
    ("Asistente de Gerencia", "Asistente de Gerencia"),
    ("Responsable de TI", "Responsable de TI"),
]
PUBLIC_POSITIONS = [
    ("Director Administrativo Financiero", "Directora Administrativa Financiera"),
    ("Jefe de Unidad Administrativa", "Jefa de Unidad Administrativa"),
    ("Responsable de Sistemas", "Responsable de Sistemas"),
    ("Encargado de Activos Fijos", "Encargada de Activos Fijos"),
    ("Técnico en Tecnologías de la Información", "Técnica en Tecnologías de la Información"),
]

MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]

# Supplementary services commonly enabled on enterprise lines (codes of the
# catalogue's reference data), most common first.
COMMON_SUPPLEMENTARY_SERVICES = [
    "caller_id",
    "call_waiting",
    "call_transfer",
    "pin_ao",
    "centrex",
    "routing_013_y",
]
