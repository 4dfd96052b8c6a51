"""Every message `probe` shows a volunteer outside the consent text (probe.consent.texts): English, Khmer.

A key names a message; `{name}` fields are filled in by `probe.i18n.t`. Both languages must have the same
fields (a test checks). The Khmer is plain and short; docs/khmer-review.md lists it for a native speaker
to review (a test keeps that file in step with this one). Pure data.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # errors and waits --------------------------------------------------------------------------------
    "error": ("error:", "កំហុស៖"),
    "note": ("note:", "ចំណាំ៖"),
    "interrupted": (
        "interrupted: {count} measurements in {path}; the URLs in flight were kept here as interrupted and are "
        "never uploaded",
        "បានផ្អាក៖ លទ្ធផល {count} នៅក្នុង {path}។ គេហទំព័រដែលកំពុងសាកល្បង ត្រូវបានរក្សាទុកនៅទីនេះ "
        "ជា «បានផ្អាក» ហើយមិនដែលត្រូវបានបញ្ជូនទេ",
    ),
    "asking_network": (
        "asking the collector at {url} which network this is (up to {seconds} s) …",
        "កំពុងសួរម៉ាស៊ីនប្រមូលលទ្ធផល {url} ថាតើនេះជាបណ្ដាញណា (យូរបំផុត {seconds} វិនាទី) …",
    ),
    "measuring": (
        "measuring {count} URLs (each within {seconds} s{control}) …",
        "កំពុងសាកល្បងគេហទំព័រ {count} (នីមួយៗយូរបំផុត {seconds} វិនាទី{control}) …",
    ),
    "control_wait": (
        "; the control service answers within {seconds} s",
        "; សេវាប្រៀបធៀបឆ្លើយក្នុងរយៈពេល {seconds} វិនាទី",
    ),
    "uploading": (
        "uploading to {url} (waiting up to {seconds} s for each answer; upload.timeout_s) …",
        "កំពុងបញ្ជូនទៅ {url} (រង់ចាំចម្លើយនីមួយៗយូរបំផុត {seconds} វិនាទី; upload.timeout_s) …",
    ),
    "enrolling": (
        "enrolling this network's key at {url} (up to {seconds} s) …",
        "កំពុងចុះឈ្មោះកូនសោរបស់បណ្ដាញនេះនៅ {url} (យូរបំផុត {seconds} វិនាទី) …",
    ),
    # probe run ------------------------------------------------------------------------------------------
    "url_or_list": ("use either --url or --list, not both", "ប្រើ --url ឬ --list មួយណាមួយ មិនមែនទាំងពីរទេ"),
    "private_address": (
        "--url {url}: {host} is a private or reserved address (network.bogon_ranges); the probe never connects to "
        "those, as that would probe this machine's own network",
        "--url {url}៖ {host} ជាអាសយដ្ឋានឯកជន ឬបម្រុងទុក (network.bogon_ranges)។ Saksi មិនដែលភ្ជាប់ទៅវាទេ "
        "ព្រោះវានឹងសាកល្បងបណ្ដាញរបស់ម៉ាស៊ីននេះផ្ទាល់",
    ),
    "no_list": (
        "no list named {name!r}; known lists: {known} (or pass a CSV path)",
        "គ្មានបញ្ជីឈ្មោះ {name!r} ទេ។ បញ្ជីដែលមាន៖ {known} (ឬដាក់ផ្លូវទៅឯកសារ CSV)",
    ),
    "empty_selection": (
        "list {name!r} has no URL in the categories asked for ({categories})",
        "បញ្ជី {name!r} គ្មានគេហទំព័រក្នុងប្រភេទដែលបានសុំទេ ({categories})",
    ),
    "measured": ("{count} measured: ", "បានសាកល្បង {count}៖ "),
    "stored_in": ("; stored in {path}", "; រក្សាទុកក្នុង {path}"),
    "outcome_blocked": ("blocked", "ត្រូវបានបិទ"),
    "outcome_accessible": ("accessible", "បើកបាន"),
    "outcome_down": ("down", "មិនដំណើរការ"),
    "outcome_inconclusive": ("inconclusive", "មិនច្បាស់"),
    "col_outcome": ("outcome", "លទ្ធផល"),
    "col_method": ("method", "វិធី"),
    "col_confidence": ("confidence", "ភាពប្រាកដ"),
    "col_explanation": ("explanation", "ការពន្យល់"),
    "no_control": (
        "no control.url is set, so verdicts rest on local evidence only and the network (ASN) is unknown; see "
        "docs/configuration.md",
        "មិនបានកំណត់ control.url ទេ ដូច្នេះលទ្ធផលពឹងលើភស្តុតាងនៅលើឧបករណ៍នេះប៉ុណ្ណោះ ហើយមិនដឹងបណ្ដាញ (ASN) ទេ។ "
        "សូមមើល docs/configuration.md",
    ),
    "offline": (
        "no resolver answered for any URL: this machine seems to have no network; the measurements were stored "
        "as they are",
        "គ្មាន DNS ណាឆ្លើយសម្រាប់គេហទំព័រណាមួយទេ៖ ម៉ាស៊ីននេះហាក់ដូចជាគ្មានបណ្ដាញ។ លទ្ធផលត្រូវបានរក្សាទុកដូចដែលវាមាន",
    ),
    "control_down": (
        "the control service at {url} could not be reached ({reason}); verdicts used local evidence only: check "
        "control.url or the network",
        "មិនអាចភ្ជាប់សេវាប្រៀបធៀបនៅ {url} បានទេ ({reason})។ លទ្ធផលប្រើតែភស្តុតាងនៅលើឧបករណ៍នេះ៖ "
        "សូមពិនិត្យ control.url ឬបណ្ដាញ",
    ),
    # networks ------------------------------------------------------------------------------------------
    "net_unknown": (
        "the probe cannot tell which network this is, so it measures nothing (approved networks: {approved}); "
        "set probe.asn, or run `probe networks allow any` to measure on any network",
        "Saksi មិនដឹងថានេះជាបណ្ដាញណាទេ ដូច្នេះវាមិនសាកល្បងអ្វីទេ (បណ្ដាញដែលបានអនុញ្ញាត៖ {approved})។ "
        "កំណត់ probe.asn ឬដំណើរការ `probe networks allow any`",
    ),
    "net_refused": (
        "this network (AS{asn}) is not one you approved, so the probe measures nothing here; to measure on it, "
        "run `probe networks allow AS{asn}`",
        "បណ្ដាញនេះ (AS{asn}) មិនមែនជាបណ្ដាញដែលអ្នកបានអនុញ្ញាតទេ ដូច្នេះ Saksi មិនសាកល្បងអ្វីនៅទីនេះទេ។ "
        "ដើម្បីសាកល្បងនៅទីនេះ ដំណើរការ `probe networks allow AS{asn}`",
    ),
    "net_none_yet": ("none yet", "មិនទាន់មាន"),
    "net_any": ("any network", "គ្រប់បណ្ដាញ"),
    "net_approved": ("approved: {networks}", "បានអនុញ្ញាត៖ {networks}"),
    "net_here_ok": (
        "this network: {where}; the probe measures here",
        "បណ្ដាញនេះ៖ {where}។ Saksi សាកល្បងនៅទីនេះ",
    ),
    "net_here_not": ("this network: {where}; {why}", "បណ្ដាញនេះ៖ {where}។ {why}"),
    "net_allowed": ("the probe may now measure on {network}", "ឥឡូវនេះ Saksi អាចសាកល្បងនៅ {network}"),
    "net_forgotten": (
        "forgotten: {network}; approved now: {rest}",
        "បានដកចេញ៖ {network}។ បណ្ដាញដែលបានអនុញ្ញាតឥឡូវ៖ {rest}",
    ),
    "net_this_unknown": (
        "cannot tell which network this is (no collector answer, or uploads go through a SOCKS5 proxy): name it, "
        "e.g. `probe networks allow AS38623`",
        "មិនអាចដឹងថានេះជាបណ្ដាញណាទេ (ម៉ាស៊ីនប្រមូលលទ្ធផលមិនឆ្លើយ ឬការបញ្ជូនឆ្លងកាត់ប្រូកស៊ី SOCKS5)។ "
        "សូមដាក់លេខបណ្ដាញ ឧ. `probe networks allow AS38623`",
    ),
    "net_bad": (
        "{value!r} is not a network number (an ASN such as AS38623), `this` or `any`",
        "{value!r} មិនមែនជាលេខបណ្ដាញ (ASN ដូចជា AS38623) `this` ឬ `any` ទេ",
    ),
    "unknown": ("unknown", "មិនដឹង"),
    # status ---------------------------------------------------------------------------------------------
    "st_consent": ("consent:", "ការយល់ព្រម៖"),
    "st_consent_given": ("given {date} (text {version})", "បានផ្ដល់ {date} (អត្ថបទ {version})"),
    "st_consent_none": ("none: run `probe init`", "មិនទាន់មាន៖ ដំណើរការ `probe init`"),
    "st_networks": ("networks:", "បណ្ដាញ៖"),
    "st_store": ("store:", "ឃ្លាំងទិន្នន័យ៖"),
    "st_store_none": ("none yet at {path}", "មិនទាន់មាននៅ {path}"),
    "st_network": ("network:", "បណ្ដាញឥឡូវ៖"),
    "st_network_unknown": (
        "unknown (no collector answer yet; set probe.asn to name it)",
        "មិនដឹង (ម៉ាស៊ីនប្រមូលលទ្ធផលមិនទាន់ឆ្លើយ; កំណត់ probe.asn)",
    ),
    "st_key": ("key:", "កូនសោ៖"),
    "st_key_none": ("none yet (made at the first run)", "មិនទាន់មាន (បង្កើតនៅពេលសាកល្បងលើកដំបូង)"),
    "st_not_enrolled": ("not enrolled yet", "មិនទាន់បានចុះឈ្មោះ"),
    "st_collector": ("collector:", "ម៉ាស៊ីនប្រមូលលទ្ធផល៖"),
    "st_collector_none": (
        "none (upload.url): measurements stay local",
        "មិនមាន (upload.url)៖ លទ្ធផលនៅតែលើឧបករណ៍នេះ",
    ),
    "st_reachable": (" (reachable{via})", " (ភ្ជាប់បាន{via})"),
    "st_unreachable": (" (not reachable now: {problem})", " (ភ្ជាប់មិនបានឥឡូវ៖ {problem})"),
    "st_daemon": ("daemon:", "ដេមិន៖"),
    "st_daemon_running": ("running (pid {pid})", "កំពុងដំណើរការ (pid {pid})"),
    "st_daemon_stopped": ("not running", "មិនដំណើរការ"),
    "st_last_run": ("last run:", "ការសាកល្បងចុងក្រោយ៖"),
    "st_next_run": ("next run:", "ការសាកល្បងបន្ទាប់៖"),
    "st_next_none": ("none: `probe daemon` is not running", "គ្មាន៖ `probe daemon` មិនដំណើរការ"),
    "st_next_soon": ("not scheduled yet", "មិនទាន់កំណត់ពេល"),
    "st_none": ("none", "គ្មាន"),
    "st_outbox": ("outbox:", "ប្រអប់ចេញ៖"),
    "st_outbox_line": (
        "{waiting} waiting{oldest}, {uploaded} uploaded",
        "{waiting} កំពុងរង់ចាំ{oldest}, {uploaded} បានបញ្ជូន",
    ),
    "st_oldest": (" (oldest {when})", " (ចាស់បំផុត {when})"),
    "st_rejected": ("rejected:", "ត្រូវបានបដិសេធ៖"),
    "st_problems": ("problems:", "បញ្ហា៖"),
    "st_stuck": (
        "measurements have waited since {when} (over {hours} h): they are not being uploaded; see the upload and "
        "enrolment problems, or run `probe upload`",
        "លទ្ធផលបានរង់ចាំតាំងពី {when} (លើស {hours} ម៉ោង)៖ វាមិនត្រូវបានបញ្ជូនទេ។ "
        "សូមមើលបញ្ហាការបញ្ជូន និងការចុះឈ្មោះ ឬដំណើរការ `probe upload`",
    ),
    # wipe -----------------------------------------------------------------------------------------------
    "wipe_nothing": (
        "nothing to delete: no store, outbox, keys, consent record or settings here",
        "គ្មានអ្វីត្រូវលុបទេ៖ គ្មានឃ្លាំងទិន្នន័យ កូនសោ ការយល់ព្រម ឬការកំណត់នៅទីនេះ",
    ),
    "wipe_list": (
        "this stops a running `probe daemon`, then deletes, and cannot be undone:",
        "វានឹងបញ្ឈប់ `probe daemon` ហើយលុបឯកសារទាំងនេះ។ មិនអាចយកមកវិញបានទេ៖",
    ),
    "wipe_public": (
        "what was already uploaded stays public at the collector and cannot be deleted from here",
        "លទ្ធផលដែលបានបញ្ជូនរួច នៅតែជាសាធារណៈ ហើយមិនអាចលុបពីទីនេះបានទេ",
    ),
    "wipe_confirm": ("delete them?", "លុបវាឬ?"),
    "wipe_kept": ("nothing was deleted", "មិនបានលុបអ្វីទេ"),
    "wipe_stopping": ("stopping the running probe (pid {pid}) first …", "កំពុងបញ្ឈប់ probe (pid {pid}) ជាមុនសិន …"),
    "wipe_other_user": (
        "a probe daemon (pid {pid}) runs as another user and cannot be stopped from here: stop it first "
        "(`systemctl stop saksi-probe` for the service) and run `probe wipe` again; nothing was deleted",
        "probe daemon (pid {pid}) ដំណើរការជាអ្នកប្រើម្នាក់ទៀត ហើយមិនអាចបញ្ឈប់ពីទីនេះបានទេ៖ "
        "សូមបញ្ឈប់វាជាមុន (`systemctl stop saksi-probe`) រួចដំណើរការ `probe wipe` ម្ដងទៀត។ មិនបានលុបអ្វីទេ",
    ),
    "wipe_no_stop": (
        "the running probe (pid {pid}) did not stop within {seconds} s; stop it and run `probe wipe` again; "
        "nothing was deleted",
        "probe (pid {pid}) មិនបានឈប់ក្នុងរយៈពេល {seconds} វិនាទីទេ។ សូមបញ្ឈប់វា រួចដំណើរការ `probe wipe` ម្ដងទៀត។ "
        "មិនបានលុបអ្វីទេ",
    ),
    "wipe_done": ("deleted:", "បានលុប៖"),
    "wipe_left": (
        "these could not be deleted (delete them by hand, as a user who may):",
        "មិនអាចលុបឯកសារទាំងនេះបានទេ (សូមលុបដោយដៃ ជាអ្នកប្រើដែលមានសិទ្ធិ)៖",
    ),
    "wipe_after": (
        "nothing measures on this device until `probe init` is run again",
        "គ្មានអ្វីសាកល្បងលើឧបករណ៍នេះទៀតទេ រហូតដល់អ្នកដំណើរការ `probe init` ម្ដងទៀត",
    ),
    # validation -----------------------------------------------------------------------------------------
    "bad_category": (
        "{code!r} is not a category code; the codes are {codes}",
        "{code!r} មិនមែនជាលេខកូដប្រភេទទេ។ លេខកូដគឺ៖ {codes}",
    ),
    "bad_hours": ("{value!r} is not a whole number of hours", "{value!r} មិនមែនជាចំនួនម៉ោងគត់ទេ"),
    "hours_range": (
        "{hours} hours: choose between 1 and 168 (a week)",
        "{hours} ម៉ោង៖ ជ្រើសពី 1 ដល់ 168 (មួយសប្ដាហ៍)",
    ),
    "bad_method": (
        "--method {value!r} is not a method or a layer; use one of {known}",
        "--method {value!r} មិនមែនជាវិធី ឬស្រទាប់ទេ។ ប្រើមួយក្នុងចំណោម៖ {known}",
    ),
    "unknown_categories": (
        "unknown category code {codes}; the codes are {known}",
        "លេខកូដប្រភេទមិនស្គាល់ {codes}។ លេខកូដគឺ៖ {known}",
    ),
    "local_name": (
        "--url {url}: {host} names this machine or its local network (like a private address); the probe never "
        "measures those",
        "--url {url}៖ {host} គឺជាម៉ាស៊ីននេះ ឬបណ្ដាញក្នុងស្រុក (ដូចអាសយដ្ឋានឯកជន)។ Saksi មិនដែលសាកល្បងវាទេ",
    ),
    "busy": (
        "{who} is working on the store {path}, so {what} does not start: only one probe process may use a store "
        "at a time (stop `probe daemon` first, or wait)",
        "{who} កំពុងប្រើឃ្លាំងទិន្នន័យ {path} ដូច្នេះ {what} មិនចាប់ផ្ដើមទេ៖ "
        "មានតែ probe មួយប៉ុណ្ណោះអាចប្រើឃ្លាំងមួយ (បញ្ឈប់ `probe daemon` ជាមុន ឬរង់ចាំ)",
    ),
    "busy_who": ("another probe process (pid {pid})", "probe មួយទៀត (pid {pid})"),
    "consent_missing": (
        "no consent on record: run `probe init` first (it explains what the probe does and the risks)",
        "មិនទាន់មានការយល់ព្រមទេ៖ សូមដំណើរការ `probe init` ជាមុន (វាពន្យល់ពីអ្វីដែល Saksi ធ្វើ និងហានិភ័យ)",
    ),
}
