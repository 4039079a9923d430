"""Photos of work-order tests, stored in the database with a SHA-256 checksum."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.logistics.workorder_models import WorkOrderPhoto, WorkOrderTest
from muster.logistics.workorders import WORK
from muster.policy.actor import Actor
from muster.policy.authorize import authorize

# Under the API's default body limit (1 MB), with room for the form around the file.
MAX_PHOTO_BYTES = 900_000
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "image/webp": b"RIFF"}


def attach_photo(
    session: Session,
    *,
    test_id: str,
    filename: str,
    content_type: str,
    data: bytes,
    actor: Actor,
) -> WorkOrderPhoto:
    """Attach a photo to a test; only JPEG, PNG or WebP images whose bytes match their type."""
    authorize(actor, WORK)
    test = session.get(WorkOrderTest, test_id)
    if test is None:
        raise NotFound(f"no work order test with id {test_id!r}")
    if content_type not in PHOTO_TYPES:
        raise Invalid(f"a photo must be JPEG, PNG or WebP, not {content_type or 'unknown'}")
    if not data:
        raise Invalid("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise Invalid(f"the photo is {len(data)} bytes; at most {MAX_PHOTO_BYTES} are kept")
    if not data.startswith(_MAGIC[content_type]):
        raise Invalid(f"the file is not a {content_type} image")
    digest = hashlib.sha256(data).hexdigest()
    photo = WorkOrderPhoto(
        test_id=test.id,
        filename=(filename or "photo")[:200],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        data=data,
        uploaded_at=clock.now(),
        uploaded_by=actor.label,
    )
    session.add(photo)
    session.flush()
    append_event(
        session,
        kind="logistics.workorder.photo_attached",
        actor=actor,
        subjects=[test.work_order_id, test.id, photo.id],
        payload={
            "test": test.name,
            "filename": photo.filename,
            "size": photo.size,
            "sha256": digest,
        },
    )
    return photo


def get_photo(session: Session, photo_id: str) -> WorkOrderPhoto:
    """The photo with this id."""
    photo = session.get(WorkOrderPhoto, photo_id)
    if photo is None:
        raise NotFound(f"no photo with id {photo_id!r}")
    return photo


def photos_of(session: Session, test_id: str) -> list[WorkOrderPhoto]:
    """A test's photos, oldest first."""
    query = select(WorkOrderPhoto).where(WorkOrderPhoto.test_id == test_id)
    return list(session.scalars(query.order_by(WorkOrderPhoto.uploaded_at)).all())
