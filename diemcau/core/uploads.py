"""Photos people attach (incident reports, review evidence): one size limit, one check of the type.

The limit is ``UPLOAD_PHOTO_MAX_BYTES`` (8 MB by default). The type is read
from the file's first bytes: the browser's claim is not trusted.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The image types phones produce, by their first bytes.
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def photo_max_bytes() -> int:
    return int(settings.UPLOAD_PHOTO_MAX_BYTES)


def photo_max_mb() -> str:
    """The limit as people read it: ``8`` or ``7,5`` (MB)."""
    from django.utils.formats import number_format

    megabytes = round(photo_max_bytes() / 1048576, 1)
    return number_format(megabytes, decimal_pos=0 if megabytes == int(megabytes) else 1)


def sniff(head: bytes) -> str | None:
    """The image type from the file's first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(photo, *, field: str = "photo") -> str:
    """The photo's type; a ``ValidationError`` on ``field`` when it is too large or not a photo."""
    limit = photo_max_bytes()
    if photo.size > limit:
        raise ValidationError({field: _("The photo is too large (%(size)s MB; at most %(limit)s MB).") % {
            "size": round(photo.size / 1048576, 1), "limit": photo_max_mb()}})
    head = photo.read(16)
    photo.seek(0)
    kind = sniff(head)
    if kind not in PHOTO_TYPES:
        raise ValidationError({field: _("Only photos (JPEG, PNG or WebP) can be attached.")})
    return kind
