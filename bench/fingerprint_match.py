"""Fingerprint benchmark: time `FingerprintSet.match_http` on large HTML bodies with real fingerprint sets.

Sets: the shipped fingerprints (`probe.lists.builtin_fingerprints()`), the full OONI blocking-fingerprints
set (DNS and HTTP CSVs from `../shared/data/ooni-fingerprints`, read with `read_fingerprints_csv`), and
both together (what the runner uses once the OONI set is imported). Bodies, each `--kib` KiB once encoded
as UTF-8 (default 512, `network.max_body_bytes`): ASCII HTML, Khmer HTML, random printable ASCII; each is
also timed at the 64 KiB the classifier actually passes (`probe.measure.http.EXCERPT_BYTES`). None of the
bodies is a blockpage, so every pattern is tried: the slow path of an accessible site.

Prints the median and minimum of `--runs` calls per set and body. No target is set for this figure.
Reads local files only; opens no socket.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import time
from pathlib import Path

from probe.classify.fingerprints import FingerprintSet, HttpMatch
from probe.lists import ListFormatError, builtin_fingerprints, read_fingerprints_csv
from probe.measure.http import EXCERPT_BYTES
from probe.models.target import Fingerprint

DEFAULT_OONI_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "ooni-fingerprints"
OONI_FILES = ("fingerprints_dns.csv", "fingerprints_http.csv")
HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "server": "nginx",
    "date": "Mon, 24 Nov 2025 03:12:45 GMT",
    "cache-control": "max-age=300, public",
    "vary": "Accept-Encoding",
    "x-frame-options": "SAMEORIGIN",
    "strict-transport-security": "max-age=31536000",
}
ENGLISH_TEXT = (
    "the government said on Monday that journalists in Phnom Penh would be free to report on the election "
    "while human rights groups warned that the closure of independent media left few places to read news "
    "about land disputes courts and the opposition in Cambodia"
)
KHMER_TEXT = (
    "កម្ពុជា ព័ត៌មាន សារព័ត៌មាន សិទ្ធិមនុស្ស រដ្ឋាភិបាល ប្រជាជន ភ្នំពេញ ការបោះឆ្នោត អ្នកសារព័ត៌មាន "
    "តុលាការ ដីធ្លី គណបក្ស ប្រឆាំង សេរីភាព ការនិយាយ ថ្ងៃច័ន្ទ បាននិយាយថា ក្រសួង ព្រះរាជាណាចក្រ"
)


def _cut(text: str, size_bytes: int) -> str:
    """`text` cut to `size_bytes` of UTF-8, as a truncated body is (a split character is dropped)."""
    return text.encode()[:size_bytes].decode(errors="ignore")


def html_body(words: list[str], size_bytes: int, lang: str, rng: random.Random) -> str:
    """A news page in `words`: head, navigation, paragraphs and links, about `size_bytes` of UTF-8."""
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{' '.join(rng.choices(words, k=6))}</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n<nav><ul>'
        + "".join(f'<li><a href="/{w}">{w}</a></li>' for w in words[:8])
        + "</ul></nav>\n<main>\n"
    ]
    size = len(parts[0].encode())
    article = 0
    while size < size_bytes:
        article += 1
        chunk = (
            f'<article id="a{article}"><h2>{" ".join(rng.choices(words, k=7))}</h2>\n'
            + "".join(f"<p>{' '.join(rng.choices(words, k=rng.randint(25, 60)))}.</p>\n" for _ in range(4))
            + f'<a class="more" href="/articles/{article}">{" ".join(rng.choices(words, k=3))}</a></article>\n'
        )
        parts.append(chunk)
        size += len(chunk.encode())
    return _cut("".join(parts), size_bytes)


def printable_body(size_bytes: int, rng: random.Random) -> str:
    return "".join(rng.choices(string.printable, k=size_bytes))


def load_ooni(folder: Path) -> list[Fingerprint] | str:
    """The OONI fingerprints, or a sentence saying why they cannot be read."""
    missing = [name for name in OONI_FILES if not (folder / name).is_file()]
    if missing:
        return f"OONI fingerprint data missing: {', '.join(missing)} not found in {folder}"
    try:
        return [fp for name in OONI_FILES for fp in read_fingerprints_csv(folder / name)]
    except ListFormatError as exc:
        return f"OONI fingerprint data unreadable: {exc}"


def time_match(fset: FingerprintSet, body: str, runs: int) -> tuple[float, float, HttpMatch]:
    """Median and minimum seconds of `runs` calls of match_http, and what the last call returned."""
    result = fset.match_http(body, HEADERS)  # warm-up: the first call may pay for caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fset.match_http(body, HEADERS)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), result


def _show_match(match: HttpMatch) -> str:
    if match.false_positive is not None:
        return f"false positive {match.false_positive.name}"
    if match.blockpage is not None:
        return f"BLOCKPAGE {match.blockpage.name}"
    return "no match"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kib", type=int, default=512, help="body size in KiB of UTF-8 (default 512)")
    parser.add_argument("--runs", type=int, default=15, help="timed calls per set and body (default 15)")
    parser.add_argument("--seed", type=int, default=20230717, help="seed of the generated bodies")
    parser.add_argument(
        "--ooni-dir",
        type=Path,
        default=DEFAULT_OONI_DIR,
        help=f"OONI CSV folder (default {DEFAULT_OONI_DIR})",
    )
    args = parser.parse_args()
    kib: int = args.kib
    runs: int = args.runs
    if kib < 1 or runs < 1:
        parser.error("--kib and --runs must be 1 or more")

    shipped = builtin_fingerprints()
    sets: list[tuple[str, list[Fingerprint]]] = [("shipped", shipped)]
    ooni = load_ooni(args.ooni_dir)
    if isinstance(ooni, str):
        print(f"{ooni}; only the shipped set is measured")
    else:
        sets += [("OONI", ooni), ("shipped+OONI", [*shipped, *ooni])]

    rng = random.Random(args.seed)
    size = kib * 1024
    bodies = {
        "ASCII HTML": html_body(ENGLISH_TEXT.split(), size, "en", rng),
        "Khmer HTML": html_body(KHMER_TEXT.split(), size, "km", rng),
        "random printable": printable_body(size, rng),
    }
    sizes = [size] if size <= EXCERPT_BYTES else [size, EXCERPT_BYTES]

    print(
        f"match_http, median and min of {runs} calls; headers: {len(HEADERS)}; no target set for this figure"
    )
    for label, fingerprints in sets:
        started = time.perf_counter()
        fset = FingerprintSet(fingerprints)
        build_ms = (time.perf_counter() - started) * 1e3
        http = sum(fp.location_found != "dns" for fp in fingerprints)
        fp = sum(fp.location_found != "dns" and fp.scope == "fp" for fp in fingerprints)
        print(
            f"\n{label}: {len(fingerprints)} fingerprints, {http} on HTTP ({fp} known false positives); "
            f"compiled in {build_ms:.1f} ms"
        )
        for body_label, full in bodies.items():
            for n_bytes in sizes:
                body = _cut(full, n_bytes)
                median_s, min_s, match = time_match(fset, body, runs)
                print(
                    f"  {body_label:<17} {n_bytes // 1024:>4} KiB ({len(body):>6} chars): "
                    f"median {median_s * 1e3:8.3f} ms   min {min_s * 1e3:8.3f} ms   {_show_match(match)}"
                )


if __name__ == "__main__":
    main()
