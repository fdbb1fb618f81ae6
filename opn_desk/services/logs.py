"""Logging set-up: a rotating file, stderr, and keys masked everywhere."""

from __future__ import annotations

import logging
import logging.handlers
import re

from opn_desk.services import paths

LOG_FILE_NAME = "opn-desk.log"
MAX_LOG_BYTES = 2_000_000
LOG_BACKUPS = 5
_KEY_PATTERN = re.compile(r"\b([sp]key_(?:test_)?)[A-Za-z0-9]+")


def mask_keys(text: str) -> str:
    """Replace the secret part of any Opn key in ``text`` with asterisks."""
    return _KEY_PATTERN.sub(r"\1****", text)


class KeyMaskingFilter(logging.Filter):
    """Masks Opn keys in every record, arguments and tracebacks included."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_keys(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_keys(record.exc_text)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to a rotating file in the log folder and to stderr."""
    folder = paths.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter(
        "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
    )
    file_handler = logging.handlers.RotatingFileHandler(
        folder / LOG_FILE_NAME,
        maxBytes=MAX_LOG_BYTES,
        backupCount=LOG_BACKUPS,
        encoding="utf-8",
    )
    stream_handler = logging.StreamHandler()
    root = logging.getLogger()
    root.setLevel(level)
    for handler in (file_handler, stream_handler):
        handler.setFormatter(formatter)
        handler.addFilter(KeyMaskingFilter())
        root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
