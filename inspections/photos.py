"""Photos of inspection failures, uploaded from phones: checked by their content (never by the file's
name or the browser's content type), hashed, given a random storage name, and thumbnailed."""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import pillow_heif
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

# Registers Pillow's "HEIF" format (iPhones save HEIC by default). Once, at import.
pillow_heif.register_heif_opener()

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A 48-megapixel phone camera stays under this; a small file that decodes to gigabytes does not.
# Checked here rather than by changing Image.MAX_IMAGE_PIXELS, which is global to the process.
MAX_PHOTO_PIXELS = 60_000_000

JPEG, PNG, HEIC = "jpeg", "png", "heic"
_CONTENT_TYPES = {JPEG: "image/jpeg", PNG: "image/png", HEIC: "image/heic"}
_EXTENSIONS = {JPEG: "jpg", PNG: "png", HEIC: "heic"}
# The Pillow decoders each kind may be read with: Pillow never guesses among all its formats (EPS, PSD, ...).
# Phones write multi-picture JPEGs (MPO) for some shots; Pillow reports those as "MPO".
_PILLOW_FORMATS = {JPEG: ("JPEG",), PNG: ("PNG",), HEIC: ("HEIF",)}
_PILLOW_REPORTS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}, HEIC: {"HEIF"}}

# ISO base media file brands of HEIF images coded with HEVC. "mif1"/"msf1" alone are generic HEIF,
# accepted unless the file says it is AVIF (which our libheif build cannot decode).
_HEVC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class PhotoInfo:
    """What the content of an accepted photo turned out to be. Width and height are as shown, with the
    EXIF orientation applied (a portrait taken on a phone is taller than wide)."""

    content_type: str  # "image/jpeg" | "image/png" | "image/heic"
    extension: str  # "jpg" | "png" | "heic"
    width: int
    height: int
    sha256: str


def inspect_photo(upload, *, label: str = "") -> PhotoInfo:
    """Accept a JPEG, PNG or HEIC photo of at most MAX_PHOTO_BYTES that decodes completely, or raise a
    ValidationError saying in Chinese which file (and, given a `label`, which checklist item) and why.
    The file is left at position 0 either way."""
    name = _display_name(upload)
    try:
        size = _size(upload)
        if size == 0:
            raise _refuse("empty", label, _("文件“%(name)s”是空的，请重新拍照或选择照片。") % {"name": name})
        if size > MAX_PHOTO_BYTES:
            raise _too_large(label, name, size)
        digest, counted = _hash(upload)
        if counted == 0:
            raise _refuse("empty", label, _("文件“%(name)s”是空的，请重新拍照或选择照片。") % {"name": name})
        if counted > MAX_PHOTO_BYTES:  # the declared size understated the content
            raise _too_large(label, name, counted)
        upload.seek(0)
        kind = _sniff(upload.read(64))
        if kind is None:
            raise _refuse("not_photo", label, _(
                "文件“%(name)s”不是照片：只接受 JPEG、PNG 或 HEIC 格式的图片（按文件内容判断）。") % {"name": name})
        width, height = _decode(upload, kind, name, label)
        return PhotoInfo(content_type=_CONTENT_TYPES[kind], extension=_EXTENSIONS[kind],
                         width=width, height=height, sha256=digest)
    finally:
        upload.seek(0)


def make_thumbnail(upload, *, max_side: int = 480) -> ContentFile:
    """A small JPEG of a photo accepted by inspect_photo: turned upright by its EXIF orientation, RGB
    (transparency flattened on white), at most `max_side` pixels on its longer side, without EXIF or
    other metadata (place, device). The colour profile is kept so phone photos keep their colours."""
    upload.seek(0)
    try:
        with Image.open(upload, formats=("JPEG", "PNG", "HEIF")) as image:
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale, much faster
            icc_profile = image.info.get("icc_profile")
            picture = ImageOps.exif_transpose(image)
            picture = _flatten_rgb(picture)
            picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            options = {"quality": 80, "optimize": True}
            if icc_profile:
                options["icc_profile"] = icc_profile
            picture.save(buffer, format="JPEG", **options)
    finally:
        upload.seek(0)
    stem = PurePath(_display_name(upload)).stem.strip() or "photo"
    return ContentFile(buffer.getvalue(), name=f"{stem}.thumb.jpg")


def normalised_name(info: PhotoInfo) -> str:
    """A random storage name with the extension the content earned: the uploaded name is never used."""
    return f"{uuid.uuid4().hex}.{info.extension}"


def _display_name(upload) -> str:
    # Browsers send a bare file name; some old ones sent the client's full path.
    raw = str(getattr(upload, "name", "") or "")
    return raw.replace("\\", "/").rsplit("/", 1)[-1] or _("未命名文件")


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    return size


def _hash(upload) -> tuple[str, int]:
    """The SHA-256 of the content and its length, read in chunks and never past the size limit."""
    upload.seek(0)
    digest = hashlib.sha256()
    counted = 0
    while counted <= MAX_PHOTO_BYTES:
        chunk = upload.read(_CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        counted += len(chunk)
    return digest.hexdigest(), counted


def _sniff(head: bytes) -> str | None:
    """The kind of image by its magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 16 and head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[0:4], "big")
        major = head[8:12]
        compatible = {head[i:i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        brands = {major} | compatible
        if brands & _HEVC_BRANDS:
            return HEIC
        if major in _GENERIC_HEIF_BRANDS and not brands & _AVIF_BRANDS:
            return HEIC
    return None


_STRICT = threading.Lock()


@contextlib.contextmanager
def strict_decoding():
    """Pillow refusing truncated images while we decode. WeasyPrint sets the process-wide
    ImageFile.LOAD_TRUNCATED_IMAGES to True when it is imported (to print what it can of a broken
    image), after which a truncated upload would load as if whole: switch it off around our decode."""
    with _STRICT:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decode(upload, kind: str, name: str, label: str) -> tuple[int, int]:
    """Decode the whole image (a truncated or corrupt file fails here) and return its upright size."""
    formats = _PILLOW_FORMATS[kind]
    try:
        upload.seek(0)
        with Image.open(upload, formats=formats) as image:
            if image.format not in _PILLOW_REPORTS[kind]:
                raise ValueError(f"magic bytes say {kind}, Pillow read {image.format}")
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise _refuse("too_many_pixels", label, _(
                    "文件“%(name)s”的图片尺寸过大（%(width)s×%(height)s 像素），最多 %(limit)s 万像素。"
                ) % {"name": name, "width": width, "height": height, "limit": MAX_PHOTO_PIXELS // 10_000})
            image.verify()  # checksums (PNG CRCs) without decoding; the image cannot be used afterwards
        upload.seek(0)
        with strict_decoding(), Image.open(upload, formats=formats) as image:
            image.load()  # every pixel: truncated data fails here
            orientation = image.getexif().get(0x0112)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        message = _("文件“%(name)s”的图片尺寸过大，无法处理。") % {"name": name}
        raise _refuse("too_many_pixels", label, message) from None
    except Exception:  # hostile input makes Pillow raise many kinds of errors; all mean "unreadable"
        raise _refuse("unreadable", label, _(
            "文件“%(name)s”已损坏或不完整，无法读取图片内容，请重新拍照或上传。") % {"name": name}) from None
    if orientation in (5, 6, 7, 8):  # rotated a quarter turn when shown
        width, height = height, width
    return width, height


def _flatten_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _too_large(label: str, name: str, size: int) -> ValidationError:
    return _refuse("too_large", label, _(
        "文件“%(name)s”大小为 %(size).1f MB，超过了 %(limit)d MB 的上限，请压缩或换一张照片。"
    ) % {"name": name, "size": size / (1024 * 1024), "limit": MAX_PHOTO_BYTES // (1024 * 1024)})


def _refuse(code: str, label: str, message: str) -> ValidationError:
    """The error for one file, prefixed with what the photo belongs to (a checklist item) when known.
    The message is complete text (no params): a file name holding "%" must not be formatted again."""
    if label:
        message = _("%(label)s：%(message)s") % {"label": label, "message": message}
    return ValidationError(message, code=f"photo_{code}")
