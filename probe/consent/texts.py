"""The consent text and quiz `probe init` shows, in English and Khmer, under one version.

`CONSENT_VERSION` names this text. Change it (a later date, or the same date with a higher number) whenever
what the probe does, what it publishes or the risks change: consent given to an older version no longer
counts, and `probe run` asks the volunteer to run `probe init` again. Both languages say the same thing;
a test checks that they have the same sections and the same questions with the same answers.

Pure data: no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CONSENT_VERSION = "2026-12-06.1"

Lang = Literal["en", "km"]
LANGS: tuple[Lang, ...] = ("en", "km")


@dataclass(frozen=True)
class Question:
    """A yes/no question with its right answer and what is shown after a wrong one."""

    id: str
    prompt: str
    answer: bool
    explanation: str


@dataclass(frozen=True)
class Part:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Ui:
    """The short strings of the conversation around the text."""

    yes_no_hint: str
    not_yes_no: str
    correct: str
    wrong: str
    again: str
    quiz_intro: str
    agree: str
    declined: str
    collector: str
    token: str
    categories: str
    sensitive: str
    every_hours: str
    socks5: str
    config_written: str
    consent_recorded: str
    enrolled: str
    enrol_later: str
    next_step: str
    networks: str
    networks_any: str
    networks_listed: str
    networks_none: str


@dataclass(frozen=True)
class ConsentText:
    lang: Lang
    title: str
    parts: tuple[Part, ...]
    questions: tuple[Question, ...]
    ui: Ui


ENGLISH = ConsentText(
    lang="en",
    title="Before you start: what Saksi does, and the risks",
    parts=(
        Part(
            "What Saksi measures",
            (
                "Saksi tests whether websites can be opened from this network.",
                "It tests news, human-rights and political websites that matter in Cambodia.",
                "For each website it records what happened: the DNS answer, the connection, the secure (TLS) "
                "connection and the web page.",
                "It compares this with the same test made from outside Cambodia. This tells a blocked website "
                "from a website that is simply down.",
            ),
        ),
        Part(
            "What is uploaded and published",
            (
                "Each result names your network: the internet provider and its number (the ASN).",
                "Each result has the time of the test, and the results: which websites, and what happened.",
                "Your IP address is never recorded, uploaded or published.",
                "The results are public, and they stay public. Anyone can see that someone on this network "
                "tested these websites at that time.",
            ),
        ),
        Part(
            "What Saksi is not",
            (
                "Saksi does not hide anything. Your internet provider, and anyone who watches the network, can "
                "see that this device connects to these websites.",
                "Saksi is not a circumvention tool. It does not open blocked websites for you. It does not make "
                "you anonymous. It does not protect you.",
                "Uploads can go through Tor (a SOCKS5 proxy). The tests themselves are never hidden.",
            ),
        ),
        Part(
            "The risks, in plain words",
            (
                "Opening blocked news or human-rights websites can look like interest in them.",
                "In 2018 a government order created a unit to monitor social media.",
                "A draft cybercrime law would make providers keep traffic data (who connected to what, and "
                'when) for 180 days. It would also punish "false information".',
                "We cannot promise that running Saksi is safe. Think about your own situation. If you are not "
                "sure, do not run it, or ask someone you trust.",
                "Saksi tests only on the networks you approve. A laptop joins many networks: approve only those "
                "you are allowed to use. On a work or school network, the results name that network.",
                "Sensitive categories (pornography, sex education, dating, LGBT, religion) are not tested "
                "unless you choose them. They can carry more risk.",
                "You can stop at any time. `probe wipe` deletes everything on this device. Results already "
                "uploaded are public and cannot be deleted.",
            ),
        ),
    ),
    questions=(
        Question(
            "hides",
            "Does Saksi hide what you do online, or make you anonymous?",
            False,
            "No. Saksi does not hide anything. Your internet provider, and anyone who watches the network, can "
            "see its connections to the websites it tests. It is not a circumvention tool.",
        ),
        Question(
            "public",
            "Can others see that someone on this network tested websites, and which websites?",
            True,
            "Yes. The results are published with the network (the provider and its ASN) and the time. Your IP "
            "address is not published, but the network is.",
        ),
        Question(
            "legal",
            "Could running Saksi carry legal risk in Cambodia?",
            True,
            "Yes, it could. A 2018 order created a unit to monitor social media. A draft cybercrime law would "
            'keep traffic data for 180 days and punish "false information". We cannot promise that it is safe.',
        ),
    ),
    ui=Ui(
        yes_no_hint="(y = yes, n = no)",
        not_yes_no="Please answer y (yes) or n (no).",
        correct="Right.",
        wrong="Not quite.",
        again="Please answer again.",
        quiz_intro="Three short questions, to check that this is clear.",
        agree="Do you want to run Saksi on this network, knowing all this?",
        declined="Nothing was written. You can run `probe init` again at any time.",
        collector="Collector URL (leave empty to keep the results on this device only)",
        token="Invite token (optional; leave empty if you have none)",
        categories="Categories to test, separated by commas",
        sensitive="Also test the sensitive categories (PORN, XED, DATE, LGBT, REL)? They carry more risk",
        every_hours="Test every how many hours?",
        socks5="Send uploads through a SOCKS5 proxy such as Tor? host:port, e.g. 127.0.0.1:9050 (leave empty for none)",
        config_written="Settings written to {path}",
        consent_recorded="Consent recorded in {path} (text version {version}, {date})",
        enrolled="This network's key is enrolled at {url} (tier {tier}).",
        enrol_later="The key is not enrolled yet ({why}). It will be enrolled at the first upload.",
        next_step="Next: {command}",
        networks="Where may Saksi test? this = only the network you are on now; any = any network this device "
        "joins (a laptop joins many); or network numbers such as AS38623",
        networks_any="Saksi may test on any network this device joins.",
        networks_listed="Saksi tests only on: {networks}. Add others with `probe networks allow`.",
        networks_none="No network is approved yet, so Saksi tests nothing: run `probe networks allow this` on a "
        "network you may use.",
    ),
)

KHMER = ConsentText(
    lang="km",
    title="មុននឹងចាប់ផ្ដើម៖ អ្វីដែល Saksi ធ្វើ និងហានិភ័យ",
    parts=(
        Part(
            "អ្វីដែល Saksi វាស់",
            (
                "Saksi សាកល្បងថា តើគេហទំព័រអាចបើកបានពីបណ្ដាញនេះឬទេ។",
                "វាសាកល្បងគេហទំព័រព័ត៌មាន សិទ្ធិមនុស្ស និងនយោបាយ ដែលសំខាន់សម្រាប់កម្ពុជា។",
                "សម្រាប់គេហទំព័រនីមួយៗ វាកត់ត្រាអ្វីដែលបានកើតឡើង៖ ចម្លើយ DNS ការតភ្ជាប់ ការតភ្ជាប់សុវត្ថិភាព (TLS) និងទំព័រវេប។",
                "វាប្រៀបធៀបលទ្ធផលនេះ ជាមួយការសាកល្បងដូចគ្នាពីក្រៅប្រទេសកម្ពុជា។ "
                "ដូច្នេះយើងដឹងថា គេហទំព័រត្រូវបានបិទ ឬគ្រាន់តែមិនដំណើរការ។",
            ),
        ),
        Part(
            "អ្វីដែលត្រូវបញ្ជូន និងផ្សព្វផ្សាយ",
            (
                "លទ្ធផលនីមួយៗ មានឈ្មោះបណ្ដាញរបស់អ្នក៖ ក្រុមហ៊ុនផ្ដល់សេវាអ៊ីនធឺណិត និងលេខរបស់វា (ASN)។",
                "លទ្ធផលនីមួយៗ មានពេលវេលានៃការសាកល្បង និងលទ្ធផល៖ គេហទំព័រណាខ្លះ និងអ្វីដែលបានកើតឡើង។",
                "អាសយដ្ឋាន IP របស់អ្នក មិនដែលត្រូវបានកត់ត្រា បញ្ជូន ឬផ្សព្វផ្សាយឡើយ។",
                "លទ្ធផលជាសាធារណៈ ហើយនៅតែជាសាធារណៈជានិច្ច។ "
                "អ្នកណាក៏អាចឃើញថា មាននរណាម្នាក់នៅលើបណ្ដាញនេះ បានសាកល្បងគេហទំព័រទាំងនេះ នៅពេលនោះ។",
            ),
        ),
        Part(
            "អ្វីដែល Saksi មិនមែន",
            (
                "Saksi មិនលាក់អ្វីទាំងអស់។ ក្រុមហ៊ុនផ្ដល់សេវាអ៊ីនធឺណិតរបស់អ្នក និងអ្នកណាដែលតាមដានបណ្ដាញ "
                "អាចឃើញថា ឧបករណ៍នេះភ្ជាប់ទៅគេហទំព័រទាំងនេះ។",
                "Saksi មិនមែនជាឧបករណ៍សម្រាប់ចូលគេហទំព័រដែលត្រូវបានបិទទេ។ វាមិនបើកគេហទំព័រដែលត្រូវបានបិទឲ្យអ្នកទេ។ "
                "វាមិនធ្វើឲ្យអ្នកអនាមិកទេ។ វាមិនការពារអ្នកទេ។",
                "ការបញ្ជូនលទ្ធផល អាចឆ្លងកាត់ Tor (ប្រូកស៊ី SOCKS5)។ ប៉ុន្តែការសាកល្បងខ្លួនវា មិនដែលត្រូវបានលាក់ទេ។",
            ),
        ),
        Part(
            "ហានិភ័យ ជាពាក្យសាមញ្ញ",
            (
                "ការបើកគេហទំព័រព័ត៌មាន ឬសិទ្ធិមនុស្ស ដែលត្រូវបានបិទ អាចមើលទៅដូចជាអ្នកចាប់អារម្មណ៍លើវា។",
                "នៅឆ្នាំ ២០១៨ បទបញ្ជារបស់រដ្ឋាភិបាលមួយ បានបង្កើតអង្គភាពមួយ ដើម្បីតាមដានបណ្ដាញសង្គម។",
                "សេចក្ដីព្រាងច្បាប់ស្ដីពីបទល្មើសបច្ចេកវិទ្យា នឹងតម្រូវឲ្យក្រុមហ៊ុនផ្ដល់សេវា "
                "រក្សាទុកទិន្នន័យចរាចរណ៍ (អ្នកណាភ្ជាប់ទៅណា និងនៅពេលណា) រយៈពេល ១៨០ ថ្ងៃ។ "
                "វាក៏នឹងដាក់ទោសចំពោះ «ព័ត៌មានមិនពិត» ផងដែរ។",
                "យើងមិនអាចសន្យាថា ការដំណើរការ Saksi មានសុវត្ថិភាពទេ។ សូមគិតអំពីស្ថានភាពរបស់អ្នកផ្ទាល់។ "
                "បើអ្នកមិនប្រាកដ សូមកុំដំណើរការវា ឬសួរអ្នកដែលអ្នកទុកចិត្ត។",
                "Saksi សាកល្បងតែនៅលើបណ្ដាញដែលអ្នកអនុញ្ញាតប៉ុណ្ណោះ។ កុំព្យូទ័រយួរដៃភ្ជាប់បណ្ដាញច្រើន៖ "
                "សូមអនុញ្ញាតតែបណ្ដាញដែលអ្នកមានសិទ្ធិប្រើ។ "
                "នៅលើបណ្ដាញកន្លែងធ្វើការ ឬសាលារៀន លទ្ធផលនឹងមានឈ្មោះបណ្ដាញនោះ។",
                "ប្រភេទរសើប (អាសអាភាស ការអប់រំផ្លូវភេទ ការណាត់ជួប LGBT សាសនា) មិនត្រូវបានសាកល្បងទេ "
                "លុះត្រាតែអ្នកជ្រើសរើសវា។ វាអាចមានហានិភ័យច្រើនជាង។",
                "អ្នកអាចឈប់នៅពេលណាក៏បាន។ `probe wipe` លុបអ្វីៗទាំងអស់នៅលើឧបករណ៍នេះ។ "
                "លទ្ធផលដែលបានបញ្ជូនរួច ជាសាធារណៈ ហើយមិនអាចលុបបានទេ។",
            ),
        ),
    ),
    questions=(
        Question(
            "hides",
            "តើ Saksi លាក់អ្វីដែលអ្នកធ្វើលើអ៊ីនធឺណិត ឬធ្វើឲ្យអ្នកអនាមិកឬទេ?",
            False,
            "ទេ។ Saksi មិនលាក់អ្វីទាំងអស់។ ក្រុមហ៊ុនផ្ដល់សេវាអ៊ីនធឺណិតរបស់អ្នក និងអ្នកណាដែលតាមដានបណ្ដាញ "
            "អាចឃើញការតភ្ជាប់របស់វា ទៅគេហទំព័រដែលវាសាកល្បង។ វាមិនមែនជាឧបករណ៍សម្រាប់ចូលគេហទំព័រដែលត្រូវបានបិទទេ។",
        ),
        Question(
            "public",
            "តើអ្នកដទៃអាចឃើញថា មាននរណាម្នាក់នៅលើបណ្ដាញនេះ បានសាកល្បងគេហទំព័រ និងគេហទំព័រណាខ្លះ ឬទេ?",
            True,
            "បាទ/ចាស អាចឃើញ។ លទ្ធផលត្រូវបានផ្សព្វផ្សាយ ជាមួយឈ្មោះបណ្ដាញ (ក្រុមហ៊ុនផ្ដល់សេវា និង ASN របស់វា) "
            "និងពេលវេលា។ អាសយដ្ឋាន IP របស់អ្នក មិនត្រូវបានផ្សព្វផ្សាយទេ ប៉ុន្តែបណ្ដាញត្រូវបានផ្សព្វផ្សាយ។",
        ),
        Question(
            "legal",
            "តើការដំណើរការ Saksi អាចមានហានិភ័យផ្លូវច្បាប់នៅកម្ពុជាឬទេ?",
            True,
            "បាទ/ចាស អាចមាន។ នៅឆ្នាំ ២០១៨ បទបញ្ជាមួយបានបង្កើតអង្គភាពតាមដានបណ្ដាញសង្គម។ "
            "សេចក្ដីព្រាងច្បាប់ស្ដីពីបទល្មើសបច្ចេកវិទ្យា នឹងរក្សាទុកទិន្នន័យចរាចរណ៍ ១៨០ ថ្ងៃ "
            "ហើយដាក់ទោសចំពោះ «ព័ត៌មានមិនពិត»។ យើងមិនអាចសន្យាថា វាមានសុវត្ថិភាពទេ។",
        ),
    ),
    ui=Ui(
        yes_no_hint="(y = បាទ/ចាស, n = ទេ)",
        not_yes_no="សូមឆ្លើយ y (បាទ/ចាស) ឬ n (ទេ)។",
        correct="ត្រឹមត្រូវ។",
        wrong="មិនត្រឹមត្រូវទេ។",
        again="សូមឆ្លើយម្ដងទៀត។",
        quiz_intro="សំណួរខ្លីៗបី ដើម្បីពិនិត្យថា អ្វីៗទាំងនេះច្បាស់លាស់។",
        agree="តើអ្នកចង់ដំណើរការ Saksi លើបណ្ដាញនេះ ដោយដឹងពីអ្វីៗទាំងនេះឬទេ?",
        declined="មិនមានអ្វីត្រូវបានរក្សាទុកទេ។ អ្នកអាចដំណើរការ `probe init` ម្ដងទៀត នៅពេលណាក៏បាន។",
        collector="URL របស់ម៉ាស៊ីនប្រមូលលទ្ធផល (ទុកទទេ ដើម្បីរក្សាលទ្ធផលតែនៅលើឧបករណ៍នេះ)",
        token="លេខកូដអញ្ជើញ (ស្រេចចិត្ត ទុកទទេ បើអ្នកមិនមាន)",
        categories="ប្រភេទដែលត្រូវសាកល្បង ដោយបំបែកដោយសញ្ញាក្បៀស",
        sensitive="សាកល្បងប្រភេទរសើប (PORN, XED, DATE, LGBT, REL) ផងដែរឬទេ? វាមានហានិភ័យច្រើនជាង",
        every_hours="សាកល្បងរៀងរាល់ប៉ុន្មានម៉ោងម្ដង?",
        socks5="បញ្ជូនលទ្ធផលតាមប្រូកស៊ី SOCKS5 ដូចជា Tor ឬទេ? host:port ឧ. 127.0.0.1:9050 (ទុកទទេ បើមិនប្រើ)",
        config_written="ការកំណត់ត្រូវបានសរសេរទៅ {path}",
        consent_recorded="ការយល់ព្រមត្រូវបានកត់ត្រាក្នុង {path} (កំណែអត្ថបទ {version}, {date})",
        enrolled="កូនសោរបស់បណ្ដាញនេះ ត្រូវបានចុះឈ្មោះនៅ {url} (កម្រិត {tier})។",
        enrol_later="កូនសោមិនទាន់ត្រូវបានចុះឈ្មោះទេ ({why})។ វានឹងត្រូវបានចុះឈ្មោះ នៅពេលបញ្ជូនលទ្ធផលលើកដំបូង។",
        next_step="បន្ទាប់៖ {command}",
        networks="តើ Saksi អាចសាកល្បងនៅបណ្ដាញណា? this = តែបណ្ដាញដែលអ្នកនៅឥឡូវនេះ; "
        "any = គ្រប់បណ្ដាញដែលឧបករណ៍នេះភ្ជាប់; ឬលេខបណ្ដាញ ដូចជា AS38623",
        networks_any="Saksi អាចសាកល្បងនៅគ្រប់បណ្ដាញ ដែលឧបករណ៍នេះភ្ជាប់។",
        networks_listed="Saksi សាកល្បងតែនៅ៖ {networks}។ បន្ថែមបណ្ដាញផ្សេងទៀតដោយ `probe networks allow`។",
        networks_none="មិនទាន់មានបណ្ដាញណាត្រូវបានអនុញ្ញាតទេ ដូច្នេះ Saksi មិនសាកល្បងអ្វីទេ៖ "
        "ដំណើរការ `probe networks allow this` នៅលើបណ្ដាញដែលអ្នកមានសិទ្ធិប្រើ។",
    ),
)

TEXTS: dict[Lang, ConsentText] = {"en": ENGLISH, "km": KHMER}

# Accepted answers to a yes/no question, in either language (a volunteer may type either).
YES = frozenset({"y", "yes", "បាទ", "ចាស", "បាទ/ចាស", "មែន", "ម៉ែន", "អាច", "អាចមាន"})
NO = frozenset({"n", "no", "ទេ", "អត់", "អត់ទេ", "មិនមែន", "មិនមែនទេ"})


def parse_yes_no(answer: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    word = answer.strip().lower().rstrip(".។!")
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def text_for(lang: str) -> ConsentText:
    """The text in `lang`; raises ValueError naming the choices for an unknown language."""
    for known in LANGS:
        if lang == known:
            return TEXTS[known]
    raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
