"""Petition pages' text for bench/review (no image: bench/letters.py renders letters for OCR), made up quickly from
sentence banks, so that each page asks for one thing (water, a wheelchair, a scholarship...) in the office's usual
wording, with its own places and people. A word then occurs in some letters and not others, as in real mail: what
the full-text search's speed depends on."""

from __future__ import annotations

import random

TOPICS = {
    "agua": ("en nuestra colonia no tenemos agua potable desde hace {n} semanas",
             "solicitamos la ampliación de la red de agua potable hasta la calle {calle}",
             "pedimos una pipa de agua para las familias de la calle {calle}"),
    "drenaje": ("el drenaje de la calle {calle} está colapsado y sale el agua sucia",
                "solicitamos la reparación del drenaje sanitario de la colonia {colonia}"),
    "vivienda": ("solicito apoyo para la reconstrucción de mi vivienda dañada por las lluvias",
                 "mi casa quedó dañada y necesito láminas para el techo",
                 "pido un cuarto adicional porque vivimos {n} personas en un solo cuarto"),
    "silla": ("solicito una silla de ruedas para mi {familiar} que ya no puede caminar",
              "pido un aparato auditivo y unas muletas para mi {familiar}"),
    "despensa": ("pido apoyo con despensa porque me quedé sin trabajo",
                 "solicito apoyo alimentario para mis hijos pequeños"),
    "beca": ("solicito una beca escolar para mis hijos que estudian en la secundaria técnica",
             "pido apoyo con útiles y uniformes escolares para el próximo ciclo"),
    "proyecto": ("solicito apoyo para un proyecto productivo de {negocio}",
                 "quiero poner un negocio de {negocio} y pido apoyo con equipo y material"),
    "salud": ("pido apoyo con medicamentos para mi {familiar} que padece diabetes",
              "solicito apoyo para los gastos de una operación de mi {familiar}"),
    "alumbrado": ("la calle {calle} no tiene alumbrado público y pedimos luminarias",
                  "solicitamos la reparación de las lámparas del parque de la colonia {colonia}"),
    "pavimento": ("solicitamos la pavimentación de la calle {calle}",
                  "pedimos el bacheo de la avenida principal de la colonia {colonia}"),
    "adultos": ("soy adulto mayor de {n} años y solicito apoyo de pensión",
                "pido ser incluido en el programa para personas adultas mayores"),
    "jefas": ("soy madre jefa de familia y solicito el apoyo del programa",
              "como madre sola con {n} hijos pido apoyo económico"),
    "comunidad": ("la comunidad {etnia} solicita apoyo para su centro comunitario",
                  "pedimos un comedor comunitario para los niños de la comunidad {etnia}"),
    "empleo": ("solicito apoyo para conseguir empleo temporal", "pido capacitación para el trabajo en {negocio}"),
    "transporte": ("pedimos transporte escolar para los alumnos de la colonia {colonia}",
                   "los niños caminan {n} kilómetros para llegar a la escuela"),
}
OPENINGS = ("{municipio}, Sonora, a {n} de {mes} de 2026.", "Secretaría de Desarrollo Social. Presente.",
            "Por medio de la presente me dirijo a usted de la manera más atenta.")
FILLERS = ("vivo en la colonia {colonia}, calle {calle} número {n}", "somos una familia de escasos recursos",
           "ya acudimos a otras dependencias sin obtener respuesta", "le agradezco de antemano su atención",
           "quedo en espera de su amable respuesta", "anexo copia de mi credencial y comprobante de domicilio",
           "le pido que nos tome en cuenta", "el problema lleva mucho tiempo sin solución")
PLACES = {
    "municipio": ("Hermosillo", "Cajeme", "Navojoa", "Guaymas", "Nogales", "Empalme", "Álamos", "Huatabampo"),
    "colonia": ("Centro", "Las Minitas", "Pitic", "Olivares", "Juárez", "Sahuaro", "El Mirador", "Villa de Seris"),
    "calle": ("Olivos", "Reforma", "Yáñez", "Morelos", "Sufragio Efectivo", "de los Mezquites", "Pino Suárez"),
    "familiar": ("madre", "padre", "hijo", "hija", "esposo", "abuela"),
    "negocio": ("costura", "panadería", "tortillería", "carpintería", "venta de comida", "estética"),
    "etnia": ("yaqui", "mayo", "seri", "guarijío", "pima"),
    "mes": ("enero", "marzo", "mayo", "julio", "septiembre", "noviembre"),
}


def page_text(rng: random.Random, low: int = 120, high: int = 260) -> str:
    """One page of one petition, `low` to `high` words: an opening, its request said a few ways, the usual
    sentences around it and a signature."""
    topic = TOPICS[rng.choice(list(TOPICS))]
    values = {key: rng.choice(options) for key, options in PLACES.items()}

    def said(template: str) -> str:
        return template.format(n=rng.randint(2, 30), **values)

    parts = [said(o) for o in OPENINGS[:rng.randint(1, 3)]]
    target = rng.randint(low, high)
    while sum(len(p.split()) for p in parts) < target - 12:
        sentence = said(rng.choice(topic) if rng.random() < 0.35 else rng.choice(FILLERS))
        parts.append(sentence[0].upper() + sentence[1:] + ".")
    parts.append("Atentamente, el peticionario.")
    return " ".join(parts)
