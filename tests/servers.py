"""Real PostgreSQL, Redis and IMAP (Dovecot) servers started by the tests on free loopback ports (installed by `make
test`)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from storage import database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


@contextmanager
def redis_server():
    """A throwaway redis-server; yields its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (Debian package redis-server)"
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


class PostgresCluster:
    """A throwaway PostgreSQL cluster with trust authentication on a free port, which a test may stop (as a crash
    would) and start again on the same data folder and port."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert binaries, "PostgreSQL is missing: `make test` installs it (Debian package postgresql)"
        self.bin_dir = Path(binaries[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="peticiones-pg-"))
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(self.as_postgres + [str(self.bin_dir / program), *args], check=check,
                              capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                  "-c fsync=off", "start")
        _wait_for_port(self.port)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: every server process quits at once, without a checkpoint, as on a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_cluster():
    """A started PostgreSQL cluster (PostgresCluster), removed afterwards."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextmanager
def postgres_server():
    """A throwaway PostgreSQL cluster with trust authentication; yields a SQLAlchemy URL."""
    with postgres_cluster() as cluster:
        yield cluster.url


def fresh_database(url: str) -> str:
    """A new empty database on the server, so tests do not see each other's rows."""
    engine = database.make_engine(url)
    name = f"t{uuid.uuid4().hex}"  # not hash(object()): a freed object's address comes back, and so did its name
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


class ImapServer:
    """A throwaway Dovecot serving IMAP over TLS only, with one mailbox (any user name, PASSWORD) in maildirs under a
    temporary folder, and a certificate of its own (ca_file) that clients must be told to trust."""

    PASSWORD = "clave-de-prueba"

    def __init__(self):
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        assert os.path.exists(binary), "dovecot is missing: `make test` installs it (Debian package dovecot-imapd)"
        self.binary, self.port, self.user = binary, free_port(), "oficina"
        self.folder = Path(tempfile.mkdtemp(prefix="peticiones-imap-"))
        self.folder.chmod(0o711)  # Dovecot's mail processes run as its own user and must reach mail/ below it
        self.ca_file = self.folder / "cert.pem"
        _self_signed(self.ca_file, self.folder / "key.pem")
        if os.geteuid() == 0:  # Dovecot drops privileges to its own users, which the package creates
            internal, login, owner = "dovecot", "dovenull", "dovecot"
        else:
            import pwd

            internal = login = owner = pwd.getpwuid(os.getuid()).pw_name
        (self.folder / "mail").mkdir()
        shutil.chown(self.folder / "mail", owner, owner)
        self.config = self.folder / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/run/state
log_path = {self.folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.ca_file}
ssl_key = <{self.folder}/key.pem
auth_mechanisms = plain
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={self.PASSWORD}
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={self.folder}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")

    def start(self) -> "ImapServer":
        # not captured: the daemon it leaves behind keeps its parent's output open, and a capture would wait on it
        subprocess.run([self.binary, "-c", str(self.config)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        subprocess.run([self.binary, "-c", str(self.config), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self):
        """A logged-in imaplib client, as a sender's mail server or a person's mail program would be."""
        import imaplib
        import ssl

        connection = imaplib.IMAP4_SSL("127.0.0.1", self.port,
                                       ssl_context=ssl.create_default_context(cafile=str(self.ca_file)), timeout=30)
        connection.login(self.user, self.PASSWORD)
        return connection

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as connection:
            status, data = connection.append(folder, None, None, raw)
            assert status == "OK", data


def _self_signed(cert: Path, key: Path) -> None:
    """A certificate for 127.0.0.1 and localhost, valid two days, made with `cryptography` (a dependency already)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
             .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                         x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                            critical=False)
             .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
             .sign(private, hashes.SHA256()))
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    key.chmod(0o600)


@contextmanager
def imap_server():
    server = ImapServer().start()
    try:
        yield server
    finally:
        server.stop()
