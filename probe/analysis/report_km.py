"""report.pdf in Khmer: the report's blocks (report_doc) set in a Khmer font, shaped by HarfBuzz
(fpdf2's text shaping, uharfbuzz from PyPI, in the `analysis` extra) and the font embedded (subset) in the
PDF, so any reader shows the same letters.

Khmer writes no spaces between words, so lines are broken where ICU's Khmer dictionary allows
(probe.i18n.wrap.break_spans, issue 12's wrapping), measured with the shaped width, never inside a
letter cluster. The font comes from the system (Debian's fonts-khmeros, GPL-2 with the font exception,
or fonts-noto-core's Noto Sans Khmer, OFL-1.1); KHMER_FONTS lists where it is looked for. Without one, the
Khmer report is refused in one sentence naming the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.analysis.report_doc import Block

KHMER_FONTS = (
    Path("/usr/share/fonts/truetype/khmeros/KhmerOS.ttf"),  # Debian fonts-khmeros (GPL-2 + font exception)
    Path("/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf"),  # Debian fonts-noto-core (OFL-1.1)
    Path("/usr/share/fonts/opentype/noto/NotoSansKhmer-Regular.ttf"),
)
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core: hashes, URLs
MARGIN_MM = 15


class KhmerUnavailable(Exception):
    """A Khmer report cannot be made on this machine (no Khmer font, or no shaping library); one sentence."""


NO_SHAPING = "a Khmer report.pdf needs text shaping: install the analysis extra (uharfbuzz)"


def khmer_font() -> Path:
    for path in KHMER_FONTS:
        if path.is_file():
            return path
    raise KhmerUnavailable(
        "Khmer text (report.km.pdf, charts with --lang km) needs a Khmer font: apt-get install fonts-khmeros "
        "(or fonts-noto-core)"
    )


class KhmerPdf:
    def __init__(self, pdf: Any) -> None:
        try:
            import uharfbuzz  # noqa: F401 (fpdf2 shapes text with it)
        except ImportError:
            raise KhmerUnavailable(NO_SHAPING) from None
        self.pdf = pdf
        font = str(khmer_font())
        pdf.add_font("khmer", "", font)
        pdf.add_font("khmer", "B", font)  # table headings ask for bold: the same face, Khmer OS has no bold
        pdf.set_text_shaping(True)
        pdf.set_margins(MARGIN_MM, MARGIN_MM)

    def render(self, blocks: list[Block], title: str) -> bytes:
        pdf = self.pdf
        pdf.set_title(title)
        pdf.set_lang("km")
        pdf.add_page()
        for b in blocks:
            self.block(b)
        return bytes(pdf.output())

    def lines(self, text: str, width: float) -> list[str]:
        """`text` cut into lines no wider than `width` (mm) at Khmer word boundaries."""
        from probe.i18n.wrap import break_spans

        out: list[str] = []
        line = ""
        for start, end in break_spans(text, "km"):
            piece = text[start:end]
            if line and self.pdf.get_string_width((line + piece).rstrip()) > width:
                out.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
        if line.strip():
            out.append(line.rstrip())
        return out

    def write(self, text: str, size: float, height: float, *, indent: float = 0, colour: int = 0) -> None:
        pdf = self.pdf
        pdf.set_font("khmer", "", size)
        pdf.set_text_color(colour, 0, 0)
        width = pdf.w - 2 * MARGIN_MM - indent
        for line in self.lines(text, width):
            pdf.set_x(MARGIN_MM + indent)
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def block(self, b: Block) -> None:
        pdf = self.pdf
        if b.kind == "lab":
            self.write(b.text, 12, 7, colour=180)
            pdf.ln(2)
        elif b.kind == "title":
            self.write(b.text, 15, 9)
        elif b.kind == "heading":
            pdf.ln(3)
            self.write(b.text, 13, 8)
        elif b.kind == "bullet":
            self.write(b.text, 10, 6, indent=5)
        elif b.kind == "table":
            pdf.set_font("khmer", "", 9)
            widths = (3.2, *([1.3] * (len(b.rows[0]) - 1)))
            with pdf.table(first_row_as_headings=True, line_height=6, col_widths=widths) as table:
                for row in b.rows:
                    line = table.row()
                    for value in row:
                        line.cell(value)
            pdf.ln(1)
        else:  # summary, para, muted, mono
            self.write(b.text, 9 if b.kind in ("muted", "mono") else 10, 6)
            pdf.ln(1)
