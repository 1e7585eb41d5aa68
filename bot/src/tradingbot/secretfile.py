"""One secret file of the secrets dir (``/run/secrets/<name>``): the value, or why it cannot be used.

Messages name the file and never its content.
"""

from __future__ import annotations

from pathlib import Path


class SecretFileError(ValueError):
    """The secret file exists but cannot be used; the message names the path, never the content."""


def read_secret_file(path: Path) -> str | None:
    """The file's value without one trailing newline; None when the file does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        why = "is a directory; expected a file holding the value"
        raise SecretFileError(f"secret file {path} {why}") from None
    except OSError as exc:
        raise SecretFileError(f"secret file {path} is unreadable ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretFileError(f"secret file {path} is not UTF-8 text") from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text.strip():
        raise SecretFileError(f"secret file {path} is empty; write the value into it or remove the file")
    if text != text.strip():
        raise SecretFileError(f"secret file {path} has leading/trailing whitespace; write the bare value")
    return text
