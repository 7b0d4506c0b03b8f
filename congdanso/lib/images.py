"""Uploaded photos made safe: checked with Pillow, size- and bomb-guarded, re-encoded without metadata, thumbnailed.

``process_image(data)`` returns the bytes to store (a JPEG with no EXIF/GPS/XMP, orientation applied) and a
thumbnail; ``redact(data, boxes)`` blacks out regions (faces, number plates) and re-encodes. Pure functions: the
caller decides where the bytes go. Errors carry a stable ``code`` the caller turns into a translated message.

Cost is bounded before and while decoding: ``decoded_pixels(data)`` reads only the header (a 47 KB PNG can declare
7000×7000), so a caller can cap the pixels of a whole request before any is decoded; JPEGs are decoded at a reduced
scale (libjpeg's DCT scaling through ``draft``) when the stored size is smaller anyway; everything is shrunk before it
is converted or rotated; and a ``deadline`` (``time.monotonic()`` value) is checked between the heavy steps.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pillow_heif
from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

# HEIC/HEIF is what iPhones take; pillow-heif (libheif) decodes it, and it is stored as JPEG like everything else.
pillow_heif.register_heif_opener()
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
T = TypeVar("T")


class ImageRejected(ValueError):
    """``code`` is one of: too_large, not_an_image, unsupported_format, too_many_pixels, corrupt, too_slow."""

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


def _header(data: bytes, max_pixels: int, max_side: int | None) -> Image.Image:
    """The image opened lazily (header only), checked, and set to decode at the smallest scale not below
    ``max_side`` (JPEG only; other formats decode in full)."""
    image = Image.open(io.BytesIO(data))
    fmt = image.format or ""
    if fmt not in ALLOWED_FORMATS:
        raise ImageRejected("unsupported_format", fmt)
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageRejected("corrupt", f"{width}x{height}")
    if max_side and fmt == "JPEG" and max(width, height) > max_side:
        # The size the image will be shrunk to; draft picks the smallest DCT scale (1/2, 1/4, 1/8) still covering it,
        # and only that many pixels are ever decoded (a 200-megapixel phone photo decodes as 12.5).
        ratio = max_side / max(width, height)
        image.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
    # Checked on the header, before any pixel is decoded: a bomb never gets to allocate its memory.
    if image.width * image.height > max_pixels:
        raise ImageRejected("too_many_pixels", f"{width}x{height}")
    return image


def _guarded(action: Callable[[], T]) -> T:
    """Runs ``action`` turning Pillow's errors and bomb warnings into ``ImageRejected``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return action()
    except ImageRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("not_an_image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("corrupt", str(exc)) from exc


def decoded_pixels(data: bytes, *, max_pixels: int, max_side: int = 2560) -> int:
    """How many pixels ``process_image`` will decode for ``data``, read from the header alone."""
    image = _guarded(lambda: _header(data, max_pixels, max_side))
    return image.width * image.height


def _open(data: bytes, max_pixels: int, max_side: int | None = None) -> Image.Image:
    def run() -> Image.Image:
        image = _header(data, max_pixels, max_side)
        image.load()
        return image
    return _guarded(run)


def _check_time(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ImageRejected("too_slow")


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
    thumb_side: int = 480, deadline: float | None = None,
) -> ProcessedImage:
    """Raises ``ImageRejected``; ``too_slow`` once ``deadline`` (a ``time.monotonic()`` value) has passed between two
    steps. Each step works on the image already shrunk to ``max_side``, except the decoding of non-JPEG formats."""
    if len(data) > max_bytes:
        raise ImageRejected("too_large", str(len(data)))
    if not data:
        raise ImageRejected("not_an_image")
    _check_time(deadline)
    image = _open(data, max_pixels, max_side)
    _check_time(deadline)
    return _guarded(lambda: _clean(image, data, max_side, thumb_side, deadline))


def _clean(image: Image.Image, data: bytes, max_side: int, thumb_side: int, deadline: float | None
           ) -> ProcessedImage:
    source_format = image.format or ""
    if image.mode in ("1", "P"):  # resized only after conversion: palette images would be resampled NEAREST
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    # Box-reduced by an integer factor first (reducing_gap=1.0: as far as it goes), then LANCZOS on the smaller image:
    # about half the cost of LANCZOS on the full image; the EXIF rotation and RGB conversion then copy the small one.
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=1.0)
    _check_time(deadline)
    clean = _flatten(image)
    thumb = clean.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    content = _encode(clean)
    _check_time(deadline)
    return ProcessedImage(
        content=content, thumbnail=_encode(thumb, quality=80), width=clean.width, height=clean.height,
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
