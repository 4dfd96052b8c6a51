"""The Citizen Lab test-list categories: every code, with its name in English and Khmer.

Used to refuse a code that is not one (a typo would otherwise select nothing, silently) and to explain the
codes to a volunteer by name. The Khmer names are listed in docs/khmer-review.md for a native speaker.
Pure data.
"""

from __future__ import annotations

# code -> (English name, Khmer name)
CATEGORIES: dict[str, tuple[str, str]] = {
    "ALDR": ("Alcohol and drugs", "គ្រឿងស្រវឹង និងគ្រឿងញៀន"),
    "ANON": ("Anonymity and circumvention tools", "ឧបករណ៍អនាមិក និងចៀសវាងការបិទ"),
    "COMM": ("Online shopping", "ការទិញលក់តាមអនឡាញ"),
    "COMT": ("Communication tools", "ឧបករណ៍ទំនាក់ទំនង"),
    "CTRL": ("Control sites (for comparison)", "គេហទំព័រសម្រាប់ប្រៀបធៀប"),
    "CULTR": ("Culture", "វប្បធម៌"),
    "DATE": ("Online dating", "ការណាត់ជួបតាមអនឡាញ"),
    "ECON": ("Economics", "សេដ្ឋកិច្ច"),
    "ENV": ("Environment", "បរិស្ថាន"),
    "FILE": ("File sharing", "ការចែករំលែកឯកសារ"),
    "GAME": ("Games", "ហ្គេម"),
    "GMB": ("Gambling", "ល្បែងស៊ីសង"),
    "GOVT": ("Government", "រដ្ឋាភិបាល"),
    "GRP": ("Social networks", "បណ្ដាញសង្គម"),
    "HACK": ("Hacking tools", "ឧបករណ៍លួចចូលប្រព័ន្ធ"),
    "HATE": ("Hate speech", "ពាក្យសម្ដីស្អប់ខ្ពើម"),
    "HOST": ("Hosting and blogs", "សេវាបង្ហោះគេហទំព័រ និងប្លុក"),
    "HUMR": ("Human rights", "សិទ្ធិមនុស្ស"),
    "IGO": ("International organisations", "អង្គការអន្តរជាតិ"),
    "LGBT": ("LGBT", "LGBT"),
    "MILX": ("Armed groups and terrorism", "ក្រុមប្រដាប់អាវុធ និងភេរវកម្ម"),
    "MISC": ("Other", "ផ្សេងៗ"),
    "MMED": ("Video and photo sharing", "ការចែករំលែកវីដេអូ និងរូបថត"),
    "NEWS": ("News", "ព័ត៌មាន"),
    "POLR": ("Political criticism", "ការរិះគន់នយោបាយ"),
    "PORN": ("Pornography", "អាសអាភាស"),
    "PROV": ("Revealing clothing", "សម្លៀកបំពាក់បង្ហាញខ្លួន"),
    "PUBH": ("Public health", "សុខភាពសាធារណៈ"),
    "REL": ("Religion", "សាសនា"),
    "SRCH": ("Search engines", "ម៉ាស៊ីនស្វែងរក"),
    "XED": ("Sex education", "ការអប់រំផ្លូវភេទ"),
}


def category_name(code: str, lang: str = "en") -> str:
    """The category's name in `lang` (en or km); the code itself when it is not a known one."""
    names = CATEGORIES.get(code.upper())
    if names is None:
        return code
    return names[1] if lang == "km" else names[0]


def unknown_categories(codes: list[str] | set[str], also_known: set[str] | None = None) -> list[str]:
    """The codes in `codes` that are neither Citizen Lab categories nor in `also_known` (a list's own)."""
    extra = also_known or set()
    return sorted(c for c in codes if c.upper() not in CATEGORIES and c not in extra)
