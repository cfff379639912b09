"""The password policy, applied wherever a password is set (auth.add_user for the CLI and the admin page, a reset
on the admin page): long enough for the role (longer for an administrator), not one of the commonest passwords (a
small list shipped here, compared without case and without the digits and symbols people add at either end), not
all one kind of character, and not the user name with a little added."""

from __future__ import annotations

import re

from review.errors import InvalidInput
from storage.tables import Role

MIN_LENGTH = 8
MIN_LENGTH_ADMIN = 12  # an administrator's account creates users and changes the catalogue

# The commonest passwords of public breach lists (NordPass, SplashData, Have I Been Pwned top entries), and the
# Spanish and local words people choose, lowercase. Compared with the password's core (see _core).
COMMON = frozenset("""
123456 1234567 12345678 123456789 1234567890 12345678910 0123456789 987654321 9876543210 111111 11111111 000000
00000000 123123 123123123 123321 654321 112233 121212 123qwe 1q2w3e 1q2w3e4r 1q2w3e4r5t qwe123 qweasd qweasdzxc
zaq12wsx 1qaz2wsx qwerty qwerty123 qwertyui qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm password password1 passw0rd
p@ssw0rd pass pass123 passwd secret letmein welcome welcome1 admin admin123 administrator root toor login master
abc123 abcd1234 abcdef abcdefg abcdefgh iloveyou monkey dragon football baseball superman batman princess sunshine
shadow trustno1 starwars whatever freedom charlie michael jordan hello hello123 changeme default guest test test123
testing computer internet samsung google
contraseña contrasena contraseña1 contrasena1 clave clave123 miclave micontraseña micontrasena hola hola123
hola1234 holamundo tequiero teamo amor amorcito mexico mexico123 sonora hermosillo cajeme obregon nogales navojoa
sedesson sedeson peticiones peticion gobierno secretaria usuario usuario123 administrador bienvenido bienvenida
cambiame cambiar temporal acceso entrar sistema oficina
""".split())

_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


class WeakPassword(InvalidInput):
    code = "weak_password"
    user_message = "La contraseña es demasiado débil. Use una frase de varias palabras con algún número o signo."


def check(password: str, name: str, role: Role) -> None:
    """Refuse a weak password with WeakPassword (its Spanish message says why)."""
    least = MIN_LENGTH_ADMIN if role == Role.admin else MIN_LENGTH
    if len(password) < least:
        who = "de un administrador " if role == Role.admin else ""
        raise WeakPassword("short", user_message=f"La contraseña {who}debe tener al menos {least} caracteres.")
    lowered = password.lower()
    if lowered in COMMON or _core(lowered) in COMMON or len(set(lowered)) <= 2:
        raise WeakPassword("common", user_message="La contraseña es demasiado común y se adivina en segundos. Elija "
                                                  "otra: por ejemplo, tres o cuatro palabras con un número o signo.")
    kinds = sum(bool(re.search(pattern, password)) for pattern in (r"[a-zñáéíóúü]", r"[A-ZÑÁÉÍÓÚÜ]", r"\d", r"[^\w]|_"))
    if kinds < 2:
        raise WeakPassword("one kind", user_message="La contraseña no puede ser sólo letras minúsculas, sólo "
                                                    "mayúsculas o sólo números: combine al menos dos (letras y "
                                                    "números, o un signo como - o .).")
    user = name.strip().lower()
    if len(user) >= 3 and user in lowered and len(lowered.replace(user, "")) < MIN_LENGTH:
        raise WeakPassword("user name", user_message="La contraseña no puede ser el nombre de usuario con poco más.")


def _core(lowered: str) -> str:
    """The password without the digits and symbols added at its ends (Password1! → password)."""
    return _EDGES.sub("", lowered)
