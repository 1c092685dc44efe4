"""Inspection photos: accepted by content (JPEG, PNG, HEIC up to 10 MB that decode), thumbnailed upright."""

import hashlib
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections.photos import MAX_PHOTO_BYTES, PhotoInfo, inspect_photo, make_thumbnail, normalised_name

ORIENTATION = 0x0112


def jpeg_bytes(size=(200, 100), colour=(200, 40, 40), orientation=None) -> bytes:
    buffer = io.BytesIO()
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def png_with_alpha_bytes(size=(120, 80)) -> bytes:
    """Fully transparent red on the left half, opaque blue on the right."""
    image = Image.new("RGBA", size, (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def heic_bytes(size=(160, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, "HEIF", quality=80)  # format registered by photos.py
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(file, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        inspect_photo(file, **kwargs)
    return caught.value


# --- accepted ---------------------------------------------------------------------------------------


def test_a_jpeg_is_accepted_with_its_size_and_hash():
    data = jpeg_bytes((200, 100))
    info = inspect_photo(upload("现场.jpg", data))
    assert info == PhotoInfo(content_type="image/jpeg", extension="jpg", width=200, height=100,
                             sha256=hashlib.sha256(data).hexdigest())


def test_a_png_with_transparency_is_accepted():
    data = png_with_alpha_bytes((120, 80))
    info = inspect_photo(upload("截图.png", data, "image/png"))
    assert (info.content_type, info.extension, info.width, info.height) == ("image/png", "png", 120, 80)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_a_heic_from_a_phone_is_accepted():
    data = heic_bytes((160, 120))
    info = inspect_photo(upload("IMG_0001.HEIC", data, "image/heic"))
    assert (info.content_type, info.extension, info.width, info.height) == ("image/heic", "heic", 160, 120)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_the_content_decides_not_the_name_or_the_browsers_type():
    info = inspect_photo(upload("photo.heic", png_with_alpha_bytes(), "application/octet-stream"))
    assert info.content_type == "image/png"
    assert info.extension == "png"


def test_a_multi_picture_jpeg_is_a_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "MPO", save_all=True,
                                           append_images=[Image.new("RGB", (64, 48), "green")])
    assert inspect_photo(upload("portrait.jpg", buffer.getvalue())).content_type == "image/jpeg"


def test_width_and_height_are_as_shown_with_the_exif_orientation():
    info = inspect_photo(upload("rotated.jpg", jpeg_bytes((200, 100), orientation=6)))
    assert (info.width, info.height) == (100, 200)


def test_a_photo_of_exactly_the_limit_is_accepted():
    data = jpeg_bytes()
    data += b"\0" * (MAX_PHOTO_BYTES - len(data))
    assert inspect_photo(upload("big.jpg", data)).sha256 == hashlib.sha256(data).hexdigest()


def test_a_plain_file_object_without_a_size_is_accepted():
    file = io.BytesIO(jpeg_bytes())
    file.name = "from-disk.jpg"
    assert inspect_photo(file).content_type == "image/jpeg"


def test_the_file_is_left_at_the_start_after_acceptance_and_refusal():
    good = upload("a.jpg", jpeg_bytes())
    good.read(10)
    inspect_photo(good)
    assert good.tell() == 0
    bad = upload("b.jpg", b"not an image at all")
    refusal(bad)
    assert bad.tell() == 0


# --- refused ----------------------------------------------------------------------------------------


def test_a_renamed_text_file_is_refused_by_its_content():
    error = refusal(upload("x.jpg", "巡查记录：一切正常\n".encode(), "image/jpeg"))
    assert error.code == "photo_not_photo"
    assert "x.jpg" in error.messages[0]
    assert "只接受 JPEG、PNG 或 HEIC" in error.messages[0]


def test_a_renamed_pdf_is_refused_by_its_content():
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    error = refusal(upload("报告.jpg", pdf, "image/jpeg"))
    assert error.messages == ["文件“报告.jpg”不是照片：只接受 JPEG、PNG 或 HEIC 格式的图片（按文件内容判断）。"]


def test_another_image_format_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "GIF")
    assert refusal(upload("anim.jpg", buffer.getvalue())).code == "photo_not_photo"


def test_the_label_names_the_checklist_item():
    error = refusal(upload("x.jpg", b"plain text"), label="灭火器压力正常")
    assert error.messages[0].startswith("灭火器压力正常：文件“x.jpg”")


def test_a_truncated_jpeg_is_refused():
    data = jpeg_bytes((800, 600))
    error = refusal(upload("cut.jpg", data[: len(data) // 3]))
    assert error.code == "photo_unreadable"
    assert "cut.jpg" in error.messages[0]


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_made_pillow_lenient():
    import weasyprint  # noqa: F401  (sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True at import)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    data = jpeg_bytes((800, 600))
    assert refusal(upload("cut.jpg", data[: len(data) // 3])).code == "photo_unreadable"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint keeps its setting


def test_a_truncated_heic_is_refused():
    data = heic_bytes()
    assert refusal(upload("cut.heic", data[: len(data) // 2])).code == "photo_unreadable"


def test_a_png_with_a_broken_checksum_is_refused():
    data = bytearray(png_with_alpha_bytes())
    data[-20] ^= 0xFF  # inside the last IDAT chunk
    assert refusal(upload("bad.png", bytes(data))).code == "photo_unreadable"


def test_an_empty_file_is_refused():
    error = refusal(upload("空.jpg", b""))
    assert error.code == "photo_empty"
    assert "空.jpg" in error.messages[0]


def test_a_file_over_10_mb_is_refused_by_its_size():
    # A valid JPEG padded with zeros: its content decodes, so only its size can refuse it.
    data = jpeg_bytes()
    data += b"\0" * (11 * 1024 * 1024 - len(data))
    error = refusal(upload("huge.jpg", data))
    assert error.code == "photo_too_large"
    assert "huge.jpg" in error.messages[0]
    assert "11.0 MB" in error.messages[0]
    assert "10 MB" in error.messages[0]


def test_a_size_understated_by_the_upload_is_caught_while_reading():
    data = jpeg_bytes()
    data += b"\0" * (MAX_PHOTO_BYTES + 1 - len(data))
    file = upload("liar.jpg", data)
    file.size = 1000
    assert refusal(file).code == "photo_too_large"


@pytest.mark.parametrize("side", [8_000, 20_000], ids=["64-megapixels-our-limit", "400-megapixels-pillows-limit"])
def test_a_small_file_claiming_too_many_pixels_is_refused_before_decoding(side):
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grey, no pixel data
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    error = refusal(upload("bomb.png", data))
    assert error.code == "photo_too_many_pixels"
    assert "bomb.png" in error.messages[0]


# --- thumbnails and names ---------------------------------------------------------------------------


def test_a_thumbnail_is_a_small_rgb_jpeg():
    thumbnail = make_thumbnail(upload("大图.jpg", jpeg_bytes((2000, 1000))))
    data = thumbnail.read()
    assert data.startswith(b"\xff\xd8\xff")
    assert thumbnail.name == "大图.thumb.jpg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert image.size == (480, 240)


def test_a_thumbnail_honours_a_smaller_max_side():
    with Image.open(make_thumbnail(upload("a.jpg", jpeg_bytes((300, 600))), max_side=100)) as image:
        assert image.size == (50, 100)


def test_a_thumbnail_is_turned_upright_by_the_exif_orientation():
    with Image.open(make_thumbnail(upload("rotated.jpg", jpeg_bytes((200, 100), orientation=6)))) as image:
        assert image.size == (100, 200)  # portrait, as the phone showed it
        assert image.getexif().get(ORIENTATION) is None  # metadata stripped: shown upright everywhere


def test_a_thumbnail_flattens_transparency_on_white():
    with Image.open(make_thumbnail(upload("alpha.png", png_with_alpha_bytes((120, 80)), "image/png"))) as image:
        assert image.mode == "RGB"
        left = image.getpixel((10, 40))
        right = image.getpixel((110, 40))
    assert min(left) > 240  # transparent red became white
    assert right[2] > 200 and right[0] < 60  # opaque blue stayed blue


def test_a_thumbnail_of_a_heic_is_a_jpeg():
    file = upload("IMG_0002.HEIC", heic_bytes((1600, 1200)), "image/heic")
    thumbnail = make_thumbnail(file)
    assert thumbnail.name == "IMG_0002.thumb.jpg"
    assert file.tell() == 0
    with Image.open(thumbnail) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (480, 360))


def test_a_thumbnail_drops_the_exif_of_the_original():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, "JPEG", exif=exif.tobytes())
    with Image.open(make_thumbnail(upload("gps.jpg", buffer.getvalue()))) as image:
        assert "exif" not in image.info
        assert not image.getexif()


def test_the_storage_name_is_random_and_keeps_the_earned_extension():
    info = inspect_photo(upload("../../etc/passwd.jpg", heic_bytes(), "image/jpeg"))
    first, second = normalised_name(info), normalised_name(info)
    assert first != second
    stem, extension = first.split(".")
    assert extension == "heic"
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
