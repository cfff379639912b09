"""The one settings object, read once at the entry point and passed down."""

from __future__ import annotations

import os
from pathlib import Path

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from classifiers.shipped import shipped
from pipeline import paths


class Settings(BaseSettings):
    """Every knob of the service; each is also an environment variable with the prefix PETICIONES_."""

    model_config = SettingsConfigDict(env_prefix="PETICIONES_", extra="ignore")

    home: Path = Field(Path("./data"), description="Folder holding entrada/, archivo/, cuarentena/, procesado/, salida/ and the default database and queue.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default a SQLite file peticiones.db in HOME. PostgreSQL: postgresql+psycopg://user:pass@host/db.")
    queue_url: str | None = Field(None, description="Task queue; default Huey on a SQLite file cola.db in HOME; redis://host:6379/0 lets workers run on several machines.")
    polling: float = Field(0.0, description="Seconds between polls of the inbox; 0 uses native file events (network shares send none: use polling there).")
    rescan_seconds: float = Field(60.0, description="Seconds between full rescans of the inbox, a safety net for missed events.")
    stability_seconds: float = Field(5.0, description="How long a file's size and modification time must stay still before it is taken, unless the system says it is complete (closed by its writer, or moved in whole; not with polling).")
    min_free_mb: int = Field(1024, description="Free space (MB) the disk holding archivo/ must keep; below it GET /salud/listo answers 503 (disk check).")
    log_format: str = Field("text", pattern="^(text|json)$", description="Log lines on stderr: text (time level logger: message) for people, or json (one object a line: time, level, logger, message and the record's extra fields) for a log collector; control characters are escaped in both.")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, description="Worker threads processing documents; default the number of cores.")
    max_pages: int = Field(500, description="Files with more pages are quarantined.")
    max_pixels: int = Field(120_000_000, description="Pages with more pixels (after rasterizing) are quarantined.")
    max_body_bytes: int = Field(4 * 1024 * 1024, description="Largest request body any page or API route reads (counted as it arrives, Content-Length checked first); a larger one is refused with 413. POST /api/v1/documents has api_max_body_bytes and an answer's PDF upload 20 MB instead.")
    api_max_body_bytes: int = Field(100 * 1024 * 1024, description="Largest request body POST /api/v1/documents reads (files and form together); a larger one is refused with 413 as it arrives.")
    api_max_files: int = Field(20, description="Most files one POST /api/v1/documents may join into one document.")
    api_max_text_chars: int = Field(20_000, description="Longest typed petition text POST /api/v1/documents accepts as JSON.")
    page_timeout: float = Field(120.0, description="Seconds allowed for one page's OCR before it counts as failed.")
    dpi: int = Field(300, description="Resolution at which PDF pages are rasterized.")
    max_attempts: int = Field(3, description="Attempts of a failing stage before the document is marked failed.")
    retry_base_seconds: float = Field(5.0, description="First retry delay; it doubles with each attempt.")
    lease_seconds: float = Field(120.0, description="How long a worker's claim on a document lasts without renewal; another machine takes over after it.")
    model: Path = Field(default_factory=lambda: shipped("peticiones"), description="Folder of the trained classifier (one spaCy pipeline per target) recorded as the first model version of a new database; default the one shipped in models/. Later versions come from `peticiones retrain` and are chosen with `peticiones models activate`.")
    model_check_seconds: float = Field(30.0, description="How often a worker asks the database which model version is active, to pick up a newly promoted or activated one without a restart.")
    retrain_hours: float = Field(24.0, description="Hours between scheduled retrainings of the classifier on reviewers' decisions (the service runs them); 0 turns the schedule off.")
    retrain_min_new: int = Field(200, description="Routing decisions since the last retraining after which the service retrains at once; 0 turns this off.")
    retrain_min_decisions: int = Field(60, description="Confirmed decisions a retraining needs; with fewer it says so and changes nothing.")
    retrain_holdout_share: float = Field(0.2, gt=0, lt=1, description="Share of the most recent confirmed decisions held out of training, on which the candidate is compared with the active model.")
    retrain_min_holdout: int = Field(20, description="Fewest recent decisions held out for that comparison (at most half of them).")
    retrain_seed_below: int = Field(20, description="A label with fewer office decisions than this still learns from the shipped seed corpus.")
    retrain_lock_seconds: float = Field(3600.0, description="How long a retraining's lock lasts: only one runs at a time across processes and machines; a crashed one's lock expires after this.")
    ocr_language: str = Field("spa", description="Tesseract language(s).")
    delivery_retry_seconds: float = Field(300.0, description="Seconds between retries of routed files that did not reach salida/ and e-mails the server did not accept.")
    folio_format: str = Field("SDS-DAGC-{year}-{n:06d}", description="Folio of a routed petition; {year} and {n} (consecutive per year) are replaced.")
    deadline_days: int = Field(10, description="Business days to answer when the catalogue program sets none.")
    timezone: str = Field("America/Hermosillo", description="The office's time zone: dates on slips and deadlines are counted in it.")
    office_name: str = Field("Secretaría de Desarrollo Social del Estado de Sonora · Dirección de Atención y Gestión a la Ciudadanía", description="Heading of the routing slip (volante de turno).")
    office_place: str = Field("Hermosillo, Sonora", description="Where the office's answer letters (oficios de respuesta) are dated.")
    slip_font: Path = Field(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), description="TrueType font for the routing slip (accents need a Unicode font; Debian package fonts-dejavu-core).")
    session_hours: float = Field(12.0, description="How long a browser login lasts.")
    secure_cookies: bool = Field(False, description="Send the session cookie only over HTTPS; turn on behind an HTTPS proxy.")
    login_max_failures: int = Field(5, description="Failed logins for one user name from one client within login_window_seconds after which each further attempt waits a growing delay; 4 times as many from one client (any names), or for one name (any clients), do the same.")
    login_window_seconds: float = Field(900.0, description="Window over which failed logins are counted; also the longest delay between attempts.")
    api_token_days: float = Field(90.0, gt=0, description="Days an API token (peticiones users token) stays valid; afterwards it gets 401 and a new one must be made.")
    login_delay_seconds: float = Field(30.0, description="First wait imposed once failures reach their limit; it doubles with each further failure, up to login_window_seconds.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Addresses or networks (CIDR) of the HTTPS proxies in front of the app, comma-separated; only a request from one of them has its X-Forwarded-For believed for the client's address (login throttle, access log).")
    low_confidence_word: float = Field(60.0, description="Words that OCR read with less confidence (0-100) are marked on the page image.")
    page_image_dpi: int = Field(110, description="Resolution of the page images shown to reviewers (cached as PNG in procesado/).")
    queue_page_size: int = Field(50, description="Documents per page of the review queue.")
    smtp_host: str | None = Field(None, description="SMTP server through which turnos are e-mailed to the directorates that have an address in the catalogue; None turns e-mail off (files in salida/ only).")
    smtp_port: int = Field(587, description="Port of the SMTP server (587: submission with STARTTLS).")
    smtp_user: str | None = Field(None, description="SMTP login; None sends without logging in.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password for smtp_user (kept out of logs and reprs).")
    smtp_from: str | None = Field(None, description="Sender address of the e-mails; default smtp_user, or peticiones@ this machine's name.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS before logging in and sending; a server that does not offer it is an error, never a silent plain-text send.")
    smtp_timeout: float = Field(30.0, description="Seconds allowed for each step of the SMTP conversation (connect, each command, the data).")
    split_at_blank_pages: bool = Field(False, description="A blank page in a scan of several pages separates two petitions, as a separator sheet does (for offices that put a blank sheet between them; never with duplex scanning, whose backs are blank).")
    imap_host: str | None = Field(None, description="IMAP server of the office's petitions mailbox, polled over TLS (imaps); each new message becomes one petition of the channel correo. None: no mailbox (an .eml dropped in entrada/correo/ is still taken).")
    imap_port: int = Field(993, description="Port of the IMAP server (993: IMAP over TLS).")
    imap_user: str | None = Field(None, description="Login of the mailbox.")
    imap_password: SecretStr | None = Field(None, description="Password of imap_user (kept out of logs and reprs).")
    imap_folder: str = Field("INBOX", description="Mailbox folder whose messages are taken.")
    imap_after: str = Field("flag", pattern="^(flag|move)$", description="What is done to a message once it is stored: flag (the keyword PeticionesTomado; it stays where it is) or move (to imap_move_to). A message is never deleted.")
    imap_move_to: str = Field("Peticiones", description="Folder messages are moved to with imap_after=move (created if missing).")
    imap_poll_seconds: float = Field(60.0, gt=0, description="Seconds between two looks at the mailbox.")
    imap_reply: bool = Field(False, description="Answer each petition that came by e-mail, once, with its reception folio (an acuse de recibo by reply; needs smtp_host).")
    imap_ca_file: Path | None = Field(None, description="CA certificate (PEM) that signed the IMAP server's certificate, for a private CA; default the system's CAs. The certificate is always checked.")
    reminder_hour: int = Field(8, ge=0, le=23, description="Hour of the office clock (timezone) from which, on each business day, every directorate with an address gets one e-mail listing its turnos por vencer and vencidos (only with smtp_host).")
    file_mode_group: bool = Field(False, description="Let the files' group read (not write) what the service creates under HOME (database, archivo/, procesado/, salida/...), for staff sharing a group; otherwise it is owner-only.")
    public_url: str | None = Field(None, description="Address at which staff open the web app (e.g. https://peticiones.sedesson.gob.mx), for links in e-mails; None leaves the link out.")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value):
        """A comma-separated list from the environment; each entry must be an address or a network."""
        import ipaddress

        entries = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
        entries = [e for e in entries if e]
        for entry in entries:
            ipaddress.ip_network(entry, strict=False)  # ValueError: the settings refuse to load
        return entries

    @field_validator("queue_url")
    @classmethod
    def _queue_url(cls, value):
        """A queue the service can open: Redis or a SQLite file; anything else is refused when the settings load,
        not when the first document is queued."""
        if value and not value.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
            raise ValueError("use redis://..., rediss://..., unix://... o sqlite:///ruta")
        return value

    @property
    def umask(self) -> int:
        """What the service creates under HOME is owner-only (0600 files, 0700 folders), or also readable by the
        group with file_mode_group; set at the entry point (pipeline/terminal.py)."""
        return 0o027 if self.file_mode_group else 0o077

    @property
    def inbox(self) -> Path:
        return self.home / paths.INBOX

    @property
    def archive(self) -> Path:
        return self.home / paths.ARCHIVE

    @property
    def quarantine(self) -> Path:
        return self.home / paths.QUARANTINE

    @property
    def outbox(self) -> Path:
        return self.home / paths.OUTBOX

    @property
    def processed(self) -> Path:
        """What the pipeline makes from each original: page PDFs and the searchable document, per document id."""
        return self.home / paths.PROCESSED

    @property
    def held_report(self) -> Path:
        """The files the running service could not take from the inbox yet, and why (watch_folders.held)."""
        return self.home / paths.HELD_REPORT

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / paths.DATABASE).resolve()}"

    def ensure_folders(self) -> None:
        """Create the folder layout under HOME (and the channel subfolders of the inbox)."""
        from watch_folders.channels import CHANNELS

        for folder in (self.inbox, self.archive, self.quarantine, self.outbox, self.processed):
            folder.mkdir(parents=True, exist_ok=True)
        for channel in CHANNELS:
            (self.inbox / channel).mkdir(exist_ok=True)
