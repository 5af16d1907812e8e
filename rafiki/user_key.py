"""The user's secret key, which marks trained-model files this workbench saved for this user.

A trained-model file holds a pickle, and unpickling runs code, so opening one from elsewhere
asks first. A file's own sha256 catches damage but not tampering: whoever edits the pickle can
edit the digest beside it. An HMAC made with a key only this user can read can only be made
by this user's workbench, so a file carrying a valid one opens without asking; any other
(foreign, or altered after saving) still asks.

The key is 32 random bytes in the data folder (``RAFIKI_HOME`` or the platform's user data
folder), created on first use with mode 0600 (on Windows the folder's own ACL, which is the
user's, guards it).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .paths import data_dir

KEY_FILE_NAME = "signing.key"
KEY_BYTES = 32


def key_path() -> Path:
    return data_dir() / KEY_FILE_NAME


def user_key() -> bytes:
    """The key, made (0600) the first time; two processes making it at once agree."""
    path = key_path()
    if not path.exists():
        # written whole under a private name, then linked into place: a reader never sees
        # half a key, and of two makers the second's link fails and both read the first's
        partial = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path}: not a key this workbench made ({len(key)} bytes, not "
                         f"{KEY_BYTES}); delete it to make a new one (files saved with the "
                         "old key will then ask before opening)")
    return key


def sign(message: bytes) -> str:
    """The HMAC-SHA256 of ``message`` under the user's key, in hex."""
    return hmac.new(user_key(), message, hashlib.sha256).hexdigest()


def signed_by_this_user(message: bytes, signature: object) -> bool:
    """Whether ``signature`` is this user's HMAC of ``message`` (constant-time comparison)."""
    if not isinstance(signature, str):
        return False
    return hmac.compare_digest(sign(message), signature)
