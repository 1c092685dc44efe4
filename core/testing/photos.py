"""Real images made in memory for upload tests."""

from __future__ import annotations

import io


def jpeg_bytes(size=(64, 48), colour=(200, 40, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()
