"""Ed25519 keys for checkpoints, and the one text form a checkpoint is signed in.

The private key lives in a file outside the database, readable by the service only
(``MUSTER_CHECKPOINT_KEY_FILE``; ``muster audit keygen FILE`` writes one with mode 0600).
Whoever can write the database cannot sign, so a rewritten log cannot carry a checkpoint
that matches it. Whoever holds the key can: see docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from muster.errors import Invalid

ORIGIN = "muster event log"
FORMAT = "muster-checkpoint-v1"


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as it leaves the database: everything needed to check it offline."""

    size: int
    root: str
    head_hash: str
    at: str
    node: str
    key_id: str
    signature: str
    rows_size: int = 0
    rows_head: str = ""
    format: str = FORMAT

    def message(self) -> bytes:
        """The exact bytes the signature covers: the log's head and the row versions' head."""
        lines = [FORMAT, ORIGIN, str(self.size), self.root, self.head_hash]
        lines += [str(self.rows_size), self.rows_head, self.at, self.node, ""]
        return "\n".join(lines).encode()

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as exported, printed and served."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SignedCheckpoint:
        """Read an exported checkpoint; a malformed one is ``Invalid``, saying what is wrong."""
        if not isinstance(data, dict):
            raise Invalid("a checkpoint is a JSON object")
        names = ("size", "root", "head_hash", "at", "node", "key_id", "signature")
        missing = [n for n in names if n not in data]
        if missing:
            raise Invalid(f"the checkpoint lacks {', '.join(missing)}")
        if data.get("format", FORMAT) != FORMAT:
            raise Invalid(f"unknown checkpoint format {data.get('format')!r}")
        if not isinstance(data["size"], int) or data["size"] < 0:
            raise Invalid("the checkpoint's size must be a whole number of events")
        text = {n: data[n] for n in names if n != "size"}
        rows_size, rows_head = data.get("rows_size", 0), data.get("rows_head", "")
        if not all(isinstance(v, str) for v in [*text.values(), rows_head]):
            raise Invalid("the checkpoint's hashes, time, node, key and signature are text")
        if not isinstance(rows_size, int) or rows_size < 0:
            raise Invalid("the checkpoint's rows_size must be a whole number")
        return cls(size=data["size"], rows_size=rows_size, rows_head=rows_head, **text)


def key_id(public: Ed25519PublicKey) -> str:
    """Short fingerprint of a public key: the first 8 bytes of SHA-256 of its raw form, hex."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new private key to ``path`` (mode 0600, never overwriting); return its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise Invalid(f"{path} exists already; a signing key is never overwritten") from exc
    except OSError as exc:
        raise Invalid(f"cannot write {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in ``path``; refused when missing, not Ed25519, or readable by others."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read the checkpoint key {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise Invalid(f"the checkpoint key {path} is readable by others: chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise Invalid(f"{path} holds no private key in PEM form") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid(f"{path} is not an Ed25519 key (make one with muster audit keygen)")
    return key


def public_key_pem(public: Ed25519PublicKey) -> str:
    """The public key in PEM form, for investigators and verifiers."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file, or the public half of a private key file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror}") from exc
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise Invalid(f"{path} holds no public key in PEM form") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid(f"{path} is not an Ed25519 public key")
    return key


def sign(key: Ed25519PrivateKey, unsigned: SignedCheckpoint) -> SignedCheckpoint:
    """``unsigned`` with its key id and signature filled in."""
    body = SignedCheckpoint(**{**unsigned.to_dict(), "key_id": key_id(key.public_key())})
    signature = base64.b64encode(key.sign(body.message())).decode()
    return SignedCheckpoint(**{**body.to_dict(), "signature": signature})


def check_signature(public: Ed25519PublicKey, checkpoint: SignedCheckpoint) -> None:
    """Raise ``Invalid`` unless ``checkpoint`` was signed by ``public``'s key."""
    if checkpoint.key_id != key_id(public):
        raise Invalid(
            f"the checkpoint was signed by key {checkpoint.key_id}, not by the key given "
            f"({key_id(public)})"
        )
    try:
        public.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.message())
    except (InvalidSignature, ValueError) as exc:
        raise Invalid("the checkpoint's signature does not verify: it was altered") from exc
