"""QR patrol plates (巡查点二维码): four to an A4 page, Chinese fonts embedded, a QR code that encodes the link."""

import base64
import re
import shutil
import subprocess

import pytest
import segno

from inspections.plates import Plate, qr_data_uri, qr_svg, render_plates

URL = "https://safegrid.example.cn/q/3f9a1c0e7b2d4a6f8e1b5c7d/"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftotext, pdfinfo, pdffonts) is not installed: the PDF cannot be read back",
)


def plate(n: int, **overrides) -> Plate:
    values = {
        "place_name": f"教学楼/二层/实验室{n}",
        "code": f"A-2-{n:02d}",
        "url": f"https://safegrid.example.cn/q/token{n:04d}/",
        "what": ["实验室安全排查表", "消防器材检查表"],
        "when": ["每天 07:30–08:00", "每学期2次"],
        "how": ["查看危化品柜是否双人双锁", "检查灭火器压力"],
    }
    return Plate(**{**values, **overrides})


def run(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / "plates.pdf"
    path.write_bytes(pdf)
    arguments = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(arguments, capture_output=True, text=True, check=True).stdout


def pages(pdf: bytes, tmp_path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", pdf, tmp_path), re.MULTILINE).group(1))


def text(pdf: bytes, tmp_path) -> str:
    """The PDF's text without white space: letter-spacing and line wrapping split words in the extraction."""
    return re.sub(r"\s+", "", run("pdftotext", pdf, tmp_path))


def render(plates, **kwargs) -> bytes:
    return render_plates(school_name=kwargs.get("school_name", "示范市第一中学"),
                         title=kwargs.get("title", "教学楼 巡查点二维码"), plates=plates)


# --- QR codes ---------------------------------------------------------------------------------------


def svg_matrix(svg: str) -> tuple[int, list[list[int]]]:
    """The dark modules drawn by segno's SVG path (runs of horizontal lines), as rows of 0/1 with the border."""
    side = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    grid = [[0] * side for _ in range(side)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([^MmHhVv]*)", path):
        values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", numbers)]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            for column in range(int(x), int(x + values[0])):
                grid[int(y)][column] = 1
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return side, grid


def test_the_qr_svg_draws_exactly_segnos_matrix_with_a_border_of_two():
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    expected = segno.make_qr(URL, error="m").matrix
    side, grid = svg_matrix(svg)
    assert side == len(expected) + 4
    assert [row[2:-2] for row in grid[2:-2]] == [list(row) for row in expected]
    assert not any(grid[0]) and not any(grid[1]) and not any(row[0] or row[1] for row in grid)  # quiet zone


def test_the_qr_code_has_the_size_segno_gives_for_error_correction_m():
    assert len(segno.make(URL, error="m").matrix) + 4 == svg_matrix(qr_svg(URL))[0]


def test_a_short_url_still_gets_a_full_qr_code_not_a_micro_qr():
    side, _ = svg_matrix(qr_svg("https://x/q/a/"))
    assert side - 4 >= 21  # version 1 is 21 modules; Micro QR codes are at most 17


def test_the_data_uri_carries_the_svg():
    uri = qr_data_uri(URL)
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix):]).decode() == qr_svg(URL)


# --- the PDF ----------------------------------------------------------------------------------------


@needs_poppler
def test_five_plates_fill_two_pages(tmp_path):
    assert pages(render([plate(n) for n in range(1, 6)]), tmp_path) == 2


@needs_poppler
def test_each_plate_shows_its_place_code_and_sections(tmp_path):
    plates = [plate(n) for n in range(1, 6)]
    content = text(render(plates), tmp_path)
    for each in plates:
        assert each.place_name in content
        assert each.code in content
    for words in ("示范市第一中学", "巡查点", "查什么", "何时查", "怎么查", "实验室安全排查表", "每学期2次",
                  "查看危化品柜是否双人双锁", "扫码登录后打开本场所的排查表"):
        assert words in content, words


@needs_poppler
def test_the_chinese_font_is_embedded(tmp_path):
    fonts = run("pdffonts", render([plate(1)]), tmp_path)
    cjk = [line for line in fonts.splitlines() if "Noto" in line and "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


@needs_poppler
def test_only_key_locations_are_marked(tmp_path):
    assert "重点部位" in text(render([plate(1, key_location=True)]), tmp_path)
    assert "重点部位" not in text(render([plate(1)]), tmp_path)


@needs_poppler
def test_long_lists_are_cut_and_summarised(tmp_path):
    how = [f"第{n}条检查要点" for n in range(1, 10)]
    content = text(render([plate(1, how=how)]), tmp_path)
    assert "第4条检查要点" in content
    assert "第5条检查要点" not in content
    assert "等9项" in content


@needs_poppler
def test_long_names_and_lists_never_push_a_plate_onto_another_page(tmp_path):
    long_name = "综合楼/三层/" + "学生宿舍楼东侧走廊靠近消防楼梯的公共洗衣房及配电间" * 3
    long_name = long_name[:80]
    assert len(long_name) == 80
    plates = [
        plate(n, place_name=long_name, code="C-3-" + "9" * 40, what=["宿舍安全检查表（每日）" * 4] * 8,
              when=["每天 21:30 熄灯前巡查一次并登记"] * 6, how=["检查" * 60] * 10, key_location=n % 2 == 0)
        for n in range(1, 9)
    ]
    assert pages(render(plates), tmp_path) == 2


@needs_poppler
def test_no_places_gives_one_page_saying_so(tmp_path):
    pdf = render([])
    assert pages(pdf, tmp_path) == 1
    assert "该区域没有场所。" in text(pdf, tmp_path)
