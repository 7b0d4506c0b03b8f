"""Uploaded photos made safe: checked with Pillow, size- and bomb-guarded, re-encoded without metadata, thumbnailed.

``process_image(data)`` returns the bytes to store (a JPEG with no EXIF/GPS/XMP, orientation applied) and a
thumbnail; ``redact(data, boxes)`` blacks out regions (faces, number plates) and re-encodes. Pure functions: the
caller decides where the bytes go. Errors carry a stable ``code`` the caller turns into a translated message.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

# HEIC/HEIF is what iPhones take; pillow-heif (libheif) decodes it, and it is stored as JPEG like everything else.
pillow_heif.register_heif_opener()
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}


class ImageRejected(ValueError):
    """``code`` is one of: too_large, not_an_image, unsupported_format, too_many_pixels, corrupt."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str
    sha256: str  # of the uploaded bytes: the same photo sent twice has the same digest

    extension = "jpg"
    content_type = "image/jpeg"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in ALLOWED_FORMATS:
                raise ImageRejected("unsupported_format", fmt)
            width, height = image.size
            # Checked on the header, before any pixel is decoded: a bomb never gets to allocate its memory.
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise ImageRejected("too_many_pixels", f"{width}x{height}")
            image.load()
            return image
    except ImageRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("not_an_image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("corrupt", str(exc)) from exc


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.split()[-1])
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    # A fresh RGB image carries no EXIF/XMP/ICC text: nothing from the phone (GPS, serial numbers) survives.
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process_image(
    data: bytes, *, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 40_000_000, max_side: int = 2560,
    thumb_side: int = 480,
) -> ProcessedImage:
    if len(data) > max_bytes:
        raise ImageRejected("too_large", str(len(data)))
    if not data:
        raise ImageRejected("not_an_image")
    image = _open(data, max_pixels)
    source_format = image.format or ""
    clean = _flatten(image)
    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return ProcessedImage(
        content=_encode(clean), thumbnail=_encode(thumb, quality=80), width=clean.width, height=clean.height,
        source_format=source_format, sha256=hashlib.sha256(data).hexdigest(),
    )


def redact(data: bytes, boxes: list[tuple[float, float, float, float]], *, thumb_side: int = 480,
           blur: bool = False) -> tuple[bytes, bytes]:
    """Cover each box (x, y, width, height as fractions 0–1 of the image) and re-encode image and thumbnail."""
    image = _flatten(_open(data, 200_000_000))
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        left = max(0, min(image.width, round(x * image.width)))
        top = max(0, min(image.height, round(y * image.height)))
        right = max(left, min(image.width, round((x + w) * image.width)))
        bottom = max(top, min(image.height, round((y + h) * image.height)))
        if right <= left or bottom <= top:
            continue
        if blur:
            region = image.crop((left, top, right, bottom)).filter(ImageFilter.GaussianBlur(radius=24))
            image.paste(region, (left, top))
        else:
            draw.rectangle((left, top, right - 1, bottom - 1), fill=(0, 0, 0))
    thumb = image.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return _encode(image), _encode(thumb, quality=80)
