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
        "interrupted: this run stored {count} measurements in {path}; the URLs in flight were kept here as "
        "interrupted and are never uploaded",
        "បានផ្អាក៖ ការសាកល្បងនេះបានរក្សាទុកលទ្ធផល {count} នៅក្នុង {path}។ គេហទំព័រដែលកំពុងសាកល្បង ត្រូវបានរក្សាទុកនៅទីនេះ "
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
    "up_summary": (
        "{uploaded} uploaded, {duplicates} already there, {rejected} rejected, {retrying} to retry; {pending} "
        "waiting in the outbox ({collector})",
        "{uploaded} បានបញ្ជូន, {duplicates} មានរួចហើយ, {rejected} ត្រូវបានបដិសេធ, {retrying} នឹងព្យាយាមម្ដងទៀត; "
        "{pending} កំពុងរង់ចាំក្នុងប្រអប់ចេញ ({collector})",
    ),
    "up_enrolled": ("enrolled key {kid}", "បានចុះឈ្មោះកូនសោ {kid}"),
    "up_rejected": ("rejected for good: {reasons}", "ត្រូវបានបដិសេធជាស្ថាពរ៖ {reasons}"),
    "up_next": ("next attempt from {when}", "ការព្យាយាមបន្ទាប់ចាប់ពី {when}"),
    "up_checkpoint": (
        "log checkpoint {size} verified and kept as the time anchor",
        "ចំណុចត្រួតពិនិត្យកំណត់ហេតុ {size} ត្រូវបានផ្ទៀងផ្ទាត់ ហើយរក្សាទុកជាចំណុចយោងពេលវេលា",
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
    "net_not_approved": (
        "{network} was not approved, so nothing changed; approved now: {rest}",
        "{network} មិនបានអនុញ្ញាតទេ ដូច្នេះគ្មានអ្វីផ្លាស់ប្ដូរ។ បណ្ដាញដែលបានអនុញ្ញាតឥឡូវ៖ {rest}",
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
    "st_run_line": (
        "{started}, {name}, {state}, {measured} of {planned} URLs",
        "{started}, {name}, {state}, {measured} ក្នុងចំណោម {planned} គេហទំព័រ",
    ),
    "st_run_done": ("done", "បានបញ្ចប់"),
    "st_run_running": ("running", "កំពុងដំណើរការ"),
    "st_run_interrupted": ("interrupted", "បានផ្អាក"),
    "tier_unverified": ("unverified", "មិនទាន់ផ្ទៀងផ្ទាត់"),
    "tier_vouched": ("vouched", "បានធានា"),
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
    "bad_outcome": ("--outcome must be one of {known}", "--outcome ត្រូវតែជាមួយក្នុងចំណោម៖ {known}"),
    "url_empty": (
        "the url is empty; put a full address such as https://www.example.org/ in the first column",
        "URL ទទេ។ សូមដាក់អាសយដ្ឋានពេញ ដូចជា https://www.example.org/ នៅជួរឈរទីមួយ",
    ),
    "url_space": (
        "the url {url} contains a space or control character; percent-encode it or remove it",
        "URL {url} មានដកឃ្លា ឬតួអក្សរបញ្ជា។ សូមអ៊ិនកូដវា (percent-encoding) ឬលុបវាចេញ",
    ),
    "url_invalid": (
        "the url {url} is not a valid URL; write it as https://host/path",
        "{url} មិនមែនជា URL ត្រឹមត្រូវទេ។ សូមសរសេរជា https://host/path",
    ),
    "url_scheme": (
        "the url {url} does not start with http:// or https://; add the scheme",
        "URL {url} មិនចាប់ផ្ដើមដោយ http:// ឬ https:// ទេ។ សូមបន្ថែមវានៅខាងមុខ",
    ),
    "url_no_host": (
        "the url {url} has no host name; write it as https://host/path",
        "URL {url} គ្មានឈ្មោះម៉ាស៊ីនទេ។ សូមសរសេរជា https://host/path",
    ),
    "bad_collector": (
        "{value!r} is not an https:// URL (for example https://collector.example)",
        "{value!r} មិនមែនជា URL https:// ទេ (ឧ. https://collector.example)",
    ),
    "plain_http": (
        "{url} is plain http://: use https:// (plain http is accepted only on this machine, or with "
        "upload.allow_http = true for a lab)",
        "{url} ប្រើ http:// ធម្មតា៖ សូមប្រើ https:// (http ធម្មតាទទួលយកតែលើម៉ាស៊ីននេះ ឬជាមួយ "
        "upload.allow_http = true សម្រាប់មន្ទីរពិសោធន៍)",
    ),
    "bad_asn": (
        "{value!r} is not a network number (an ASN such as AS38623)",
        "{value!r} មិនមែនជាលេខបណ្ដាញ (ASN ដូចជា AS38623) ទេ",
    ),
    "bad_socks5": (
        "{value!r} is not host:port (for example 127.0.0.1:9050 for Tor)",
        "{value!r} មិនមែនជា host:port ទេ (ឧ. 127.0.0.1:9050 សម្រាប់ Tor)",
    ),
    "sensitive_in_categories": (
        "{code} is a sensitive category: they are chosen all together, with --include-sensitive (or by "
        "answering yes to the question about them), not in the categories",
        "{code} ជាប្រភេទរសើប៖ ប្រភេទរសើបត្រូវបានជ្រើសរើសទាំងអស់ជាមួយគ្នា ដោយ --include-sensitive (ឬដោយឆ្លើយ "
        "បាទ/ចាស ចំពោះសំណួរអំពីវា) មិនមែនក្នុងបញ្ជីប្រភេទទេ",
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
    # the evidence report (probe.analysis.report_doc), for advocates: `probe evidence --lang km` ---------
    "report_lab_banner": (
        "LAB DATA — invented by `probe collector demo-data`; NOT evidence of anything. Every measurement in "
        "this bundle was made up for testing: do not cite it, publish it or rely on it.",
        "ទិន្នន័យសាកល្បង — បង្កើតឡើងដោយ `probe collector demo-data`។ នេះមិនមែនជាភស្តុតាងអ្វីទាំងអស់។ "
        "លទ្ធផលទាំងអស់ក្នុងកញ្ចប់នេះ ត្រូវបានប្រឌិតឡើងសម្រាប់ការសាកល្បង៖ សូមកុំដកស្រង់ កុំផ្សព្វផ្សាយ "
        "ហើយកុំពឹងផ្អែកលើវា។",
    ),
    "report_lab_title": ("LAB DATA (not evidence): {title}", "ទិន្នន័យសាកល្បង (មិនមែនភស្តុតាង)៖ {title}"),
    "report_title_blocked": (
        "Blocking of {hosts} on {where}, {start} to {end}",
        "ការបិទ {hosts} នៅលើ {where} ពី {start} ដល់ {end}",
    ),
    "report_title_measured": (
        "Measurements of {hosts} on {where}, {start} to {end}",
        "ការសាកល្បង {hosts} នៅលើ {where} ពី {start} ដល់ {end}",
    ),
    "report_networks_in": ("{count} networks in {country}", "បណ្ដាញ {count} នៅ{country}"),
    "report_summary": (
        "{measurements} of {site} from {probes} on {networks}, made {tested}.",
        "ការសាកល្បង {measurements} ដងលើ {site} ដោយ probe {probes} នៅលើបណ្ដាញ {networks} ធ្វើឡើង {tested}។",
    ),
    "report_summary_blocked": (
        " Blocking was observed and corroborated on {count} of them.",
        " ការបិទត្រូវបានឃើញ និងបញ្ជាក់ដោយលទ្ធផលច្រើន នៅលើបណ្ដាញ {count} ក្នុងចំណោមនោះ។",
    ),
    "report_summary_none": (
        " No corroborated blocking was observed.",
        " មិនបានឃើញការបិទដែលបានបញ្ជាក់ទេ។",
    ),
    "report_probe_clock": (
        "between {first} and {last} (by the probes' own clocks: no independent witness vouches for these dates)",
        "ចន្លោះ {first} និង {last} (តាមនាឡិការបស់ probe ផ្ទាល់៖ គ្មានសាក្សីឯករាជ្យបញ្ជាក់កាលបរិច្ឆេទទាំងនេះទេ)",
    ),
    "report_h_measured": ("What was measured", "អ្វីដែលត្រូវបានសាកល្បង"),
    "report_measured": (
        "The site {site} was tested {times} by {probes} (distinct signing keys): {vouched} vouched for by an "
        "invitation, {unverified} unverified (enrolled without one). The measurements were made {tested}. A "
        "probe's key changes with each network and each quarter of the year, so one volunteer may count as "
        "more than one probe. {controls} of control sites by the same probes are included, because the rules "
        "use them.",
        "គេហទំព័រ {site} ត្រូវបានសាកល្បង {times} ដង ដោយ probe {probes} (កូនសោចុះហត្ថលេខាខុសៗគ្នា)៖ "
        "{vouched} ត្រូវបានធានាដោយការអញ្ជើញ និង {unverified} មិនទាន់បានផ្ទៀងផ្ទាត់ (ចុះឈ្មោះដោយគ្មានការអញ្ជើញ)។ "
        "ការសាកល្បងត្រូវបានធ្វើឡើង {tested}។ កូនសោរបស់ probe ផ្លាស់ប្ដូរតាមបណ្ដាញ និងតាមត្រីមាសនីមួយៗ "
        "ដូច្នេះអ្នកស្ម័គ្រចិត្តម្នាក់អាចរាប់ជា probe ច្រើនជាងមួយ។ ការសាកល្បងគេហទំព័រត្រួតពិនិត្យ {controls} ដង "
        "ដោយ probe ដដែល ក៏ត្រូវបានដាក់បញ្ចូលដែរ ព្រោះច្បាប់ប្រើវា។",
    ),
    "report_not_in_log": (
        "{count} in this period had been received but were not yet in the signed log at this checkpoint; they "
        "are left out of this bundle.",
        "ការសាកល្បង {count} ទៀតក្នុងរយៈពេលនេះ ត្រូវបានទទួល ប៉ុន្តែមិនទាន់នៅក្នុងកំណត់ត្រាដែលបានចុះហត្ថលេខា "
        "នៅចំណុចត្រួតពិនិត្យនេះទេ៖ វាមិនត្រូវបានដាក់ក្នុងកញ្ចប់នេះទេ។",
    ),
    "report_h_networks": ("Networks", "បណ្ដាញ"),
    "report_col_network": ("Network", "បណ្ដាញ"),
    "report_col_probes": ("Probes", "ចំនួន probe"),
    "report_col_vouched": ("Vouched", "បានធានា"),
    "report_col_unverified": ("Unverified", "មិនទាន់ផ្ទៀងផ្ទាត់"),
    "report_col_blocked": ("Found blocked", "ឃើញថាត្រូវបានបិទ"),
    "report_h_hosts": ("Hosts", "ឈ្មោះគេហទំព័រ"),
    "report_col_host": ("Host", "ឈ្មោះគេហទំព័រ"),
    "report_h_observed": ("What was observed", "អ្វីដែលត្រូវបានឃើញ"),
    "report_none_observed": (
        "No period of corroborated blocking was observed under the rules below.",
        "មិនបានឃើញរយៈពេលនៃការបិទដែលបានបញ្ជាក់ តាមច្បាប់ខាងក្រោមទេ។",
    ),
    "report_period": (
        "{domain} on {network}: blocked by {method} ({confidence}){fingerprint}. The blocking {began}; {ended}.",
        "{domain} នៅលើ {network}៖ ត្រូវបានបិទដោយ {method} ({confidence}){fingerprint}។ ការបិទ {began}; {ended}។",
    ),
    "report_fingerprint": (
        ", matching the blockpage fingerprint {name}",
        " ដែលត្រូវនឹងស្នាមសម្គាល់ទំព័របិទ {name}",
    ),
    "report_began_between": ("began between {after} and {by}", "បានចាប់ផ្ដើមនៅចន្លោះ {after} និង {by}"),
    "report_began_at_start": (
        "was already in place when the data begins (first seen {by})",
        "មានរួចហើយនៅពេលទិន្នន័យចាប់ផ្ដើម (ឃើញដំបូង {by})",
    ),
    "report_ended_between": ("ended between {after} and {by}", "បានបញ្ចប់នៅចន្លោះ {after} និង {by}"),
    "report_still_seen": (
        "was still observed at the last measurement, {at}",
        "នៅតែឃើញនៅការសាកល្បងចុងក្រោយ {at}",
    ),
    "report_clock_note": (
        "Times are by the probes' own clocks (UTC); the witnessed brackets are in the English report.",
        "ពេលវេលាគឺតាមនាឡិការបស់ probe ផ្ទាល់ (UTC)។ ចន្លោះពេលដែលសាក្សីបានបញ្ជាក់ មាននៅក្នុងរបាយការណ៍ភាសាអង់គ្លេស។",
    ),
    "report_basis": (
        "Published on the basis of {probes} ({vouched} vouched, {attested} with networks attested by the "
        "collector): {m_attested} measurements attested, {m_observed} observed from the network; {m_claimed} "
        "whose network was only claimed and {m_out} outside their time bracket were shown but not counted.",
        "បានផ្សព្វផ្សាយដោយផ្អែកលើ probe {probes} ({vouched} បានធានា, {attested} មានបណ្ដាញដែលម៉ាស៊ីនប្រមូលបានបញ្ជាក់)៖ "
        "ការសាកល្បង {m_attested} បានបញ្ជាក់ {m_observed} បានឃើញពីបណ្ដាញ។ {m_claimed} ដែលបណ្ដាញគ្រាន់តែត្រូវបានអះអាង "
        "និង {m_out} ដែលនៅក្រៅចន្លោះពេល ត្រូវបានបង្ហាញ ប៉ុន្តែមិនត្រូវបានរាប់ទេ។",
    ),
    "report_probes_said": ('The probes reported: "{words}"', "probe បានរាយការណ៍ថា៖ «{words}»"),
    "report_how": (
        "How measurements become a finding (timeline rules {version}):",
        "របៀបដែលការសាកល្បងក្លាយជាការរកឃើញ (ច្បាប់ពេលវេលា {version})៖",
    ),
    "report_windows": (
        "Day windows by state: {windows}. The full timeline is in timeline.csv and the published changes, with "
        "the measurements that bound each date, in events.json.",
        "ថ្ងៃតាមស្ថានភាព៖ {windows}។ ពេលវេលាពេញលេញមាននៅក្នុង timeline.csv ហើយការផ្លាស់ប្ដូរដែលបានផ្សព្វផ្សាយ "
        "ជាមួយការសាកល្បងដែលកំណត់កាលបរិច្ឆេទនីមួយៗ មាននៅក្នុង events.json។",
    ),
    "report_h_proves": ("What this does and does not prove", "អ្វីដែលនេះបញ្ជាក់ និងមិនបញ្ជាក់"),
    "report_h_cite": ("Suggested citation", "ការដកស្រង់ដែលបានស្នើ"),
    "report_h_no_cite": ("Citation: do not cite", "ការដកស្រង់៖ សូមកុំដកស្រង់"),
    "report_do_not_cite": (
        "Do not cite: this bundle holds lab data invented for testing, not measurements of anything.",
        "សូមកុំដកស្រង់៖ កញ្ចប់នេះមានទិន្នន័យសាកល្បងដែលប្រឌិតឡើង មិនមែនជាការសាកល្បងពិតទេ។",
    ),
    "report_h_verify": ("How to verify", "របៀបផ្ទៀងផ្ទាត់"),
    "report_verify": (
        "Everything needed is in the bundle; no network is used. Run probe verify bundle.zip (and compare the "
        "collector key in log-key.txt with the one the project publishes), or follow VERIFY.md with openssl "
        "and a short Python script. Any changed byte in any file makes verification fail and name the file.",
        "អ្វីៗដែលត្រូវការ មាននៅក្នុងកញ្ចប់នេះ៖ មិនប្រើអ៊ីនធឺណិតទេ។ ដំណើរការ probe verify bundle.zip "
        "(ហើយប្រៀបធៀបកូនសោក្នុង log-key.txt ជាមួយកូនសោដែលគម្រោងផ្សព្វផ្សាយ) ឬធ្វើតាម VERIFY.md ជាមួយ openssl "
        "និងកម្មវិធី Python ខ្លីមួយ។ បៃណាមួយដែលត្រូវបានផ្លាស់ប្ដូរ ធ្វើឱ្យការផ្ទៀងផ្ទាត់បរាជ័យ ហើយប្រាប់ឈ្មោះឯកសារ។",
    ),
    "report_bundle": (
        "Bundle: MANIFEST.json sha256:{sha}. Log checkpoint: {origin}, size {size}, root {root}. The collector's "
        "own clock signed that checkpoint at {created}.",
        "កញ្ចប់៖ MANIFEST.json sha256:{sha}។ ចំណុចត្រួតពិនិត្យកំណត់ត្រា៖ {origin} ទំហំ {size} root {root}។ "
        "នាឡិការបស់ម៉ាស៊ីនប្រមូល បានចុះហត្ថលេខាលើចំណុចនោះនៅ {created}។",
    ),
    "report_conf_confirmed": ("confirmed", "បានបញ្ជាក់"),
    "report_conf_likely": ("likely", "ប្រហែល"),
    "report_conf_possible": ("possible", "អាចទៅរួច"),
    "report_rule_blocked": (
        "a day counts as blocked on a network only when at least {min_blocked} measurements found it blocked, "
        "{share} of them by the same method, and at most {accessible} of all measurements that day reached "
        "the site;",
        "មួយថ្ងៃត្រូវរាប់ថាត្រូវបានបិទនៅលើបណ្ដាញមួយ លុះត្រាតែការសាកល្បងយ៉ាងតិច {min_blocked} ឃើញថាវាត្រូវបានបិទ "
        "{share} ក្នុងចំណោមនោះដោយវិធីដូចគ្នា ហើយការសាកល្បងនៅថ្ងៃនោះ ចូលដល់គេហទំព័របានយ៉ាងច្រើន {accessible};",
    ),
    "report_rule_basis": (
        "a state is published only from whole days and with a basis: at least {attested} distinct probes whose "
        "network the collector attested, or {vouched} vouched probe; measurements whose network was only "
        "claimed, or whose time lies outside its bracket, are shown but never counted;",
        "ស្ថានភាពមួយត្រូវបានផ្សព្វផ្សាយតែពីថ្ងៃពេញ និងមានមូលដ្ឋាន៖ probe យ៉ាងតិច {attested} ខុសៗគ្នា "
        "ដែលម៉ាស៊ីនប្រមូលបានបញ្ជាក់បណ្ដាញ ឬ probe {vouched} ដែលបានធានា។ ការសាកល្បងដែលបណ្ដាញគ្រាន់តែត្រូវបានអះអាង "
        "ឬដែលពេលវេលានៅក្រៅចន្លោះ ត្រូវបានបង្ហាញ ប៉ុន្តែមិនដែលត្រូវបានរាប់ទេ;",
    ),
    "report_rule_publish": (
        "a change (blocked, or no longer blocked) is published only after {days} consecutive days in the new "
        "state;",
        "ការផ្លាស់ប្ដូរ (ត្រូវបានបិទ ឬលែងត្រូវបានបិទ) ត្រូវបានផ្សព្វផ្សាយតែបន្ទាប់ពី {days} ថ្ងៃជាប់គ្នា ក្នុងស្ថានភាពថ្មី;",
    ),
    "report_rule_controls": (
        "a probe's results for a day are set aside when its own control sites failed more than 75 % of the "
        "time (its network, not the site, was the problem).",
        "លទ្ធផលរបស់ probe មួយសម្រាប់មួយថ្ងៃ ត្រូវបានដាក់ចោល នៅពេលគេហទំព័រត្រួតពិនិត្យរបស់វាផ្ទាល់ "
        "បរាជ័យលើសពី 75 % (បញ្ហាគឺបណ្ដាញរបស់វា មិនមែនគេហទំព័រទេ)។",
    ),
    "report_proves_1": (
        "Each measurement is signed by a probe's key: the signature proves which key produced the record and "
        "that nobody changed a byte of it since.",
        "ការសាកល្បងនីមួយៗត្រូវបានចុះហត្ថលេខាដោយកូនសោរបស់ probe៖ ហត្ថលេខាបញ្ជាក់ថាកូនសោណាបានបង្កើតកំណត់ត្រា "
        "ហើយគ្មាននរណាបានផ្លាស់ប្ដូរបៃណាមួយរបស់វាចាប់តាំងពីពេលនោះទេ។",
    ),
    "report_proves_2": (
        "The collector's signed receipt and the public log prove the record was received no later than the "
        "checkpoint.",
        "បង្កាន់ដៃដែលបានចុះហត្ថលេខារបស់ម៉ាស៊ីនប្រមូល និងកំណត់ត្រាសាធារណៈ បញ្ជាក់ថាកំណត់ត្រាត្រូវបានទទួល មិនយឺតជាងចំណុចត្រួតពិនិត្យទេ។",
    ),
    # What the report says about witnesses follows from the bundle's witnesses.json and brackets.json
    # (report_doc.witness_words): one of these four, never a witness the bundle does not hold.
    "report_witness_none": (
        "No independent witness cosigned this log's checkpoints: every date in this report rests on the "
        "collector's and the probes' clocks alone, and nobody outside the collector could tell if it had "
        "back-dated a record.",
        "គ្មានសាក្សីឯករាជ្យណាបានចុះហត្ថលេខារួមលើចំណុចត្រួតពិនិត្យនៃកំណត់ត្រានេះទេ៖ កាលបរិច្ឆេទទាំងអស់ក្នុងរបាយការណ៍នេះ "
        "ពឹងផ្អែកតែលើនាឡិការបស់ម៉ាស៊ីនប្រមូល និងរបស់ probe ប៉ុណ្ណោះ ហើយគ្មាននរណាម្នាក់នៅក្រៅម៉ាស៊ីនប្រមូល "
        "អាចដឹងថាវាបានកែកាលបរិច្ឆេទកំណត់ត្រាថយក្រោយឬទេ។",
    ),
    "report_witness_lab": (
        "The only witness is demo-data's throwaway lab witness, which is not independent: every date in this "
        "report rests on the collector's and the probes' clocks alone.",
        "សាក្សីតែមួយគត់ គឺសាក្សីសាកល្បងបណ្ដោះអាសន្នរបស់ demo-data ដែលមិនឯករាជ្យ៖ កាលបរិច្ឆេទទាំងអស់ក្នុងរបាយការណ៍នេះ "
        "ពឹងផ្អែកតែលើនាឡិការបស់ម៉ាស៊ីនប្រមូល និងរបស់ probe ប៉ុណ្ណោះ។",
    ),
    "report_witness_unused": (
        "The collector names {witnesses} (a date stands when {quorum} of them cosigned), but none cosigned "
        "a checkpoint that dates these measurements: every date in this report rests on the collector's and "
        "the probes' clocks alone.",
        "ម៉ាស៊ីនប្រមូលដាក់ឈ្មោះសាក្សី {witnesses} (កាលបរិច្ឆេទមួយមានសុពលភាព នៅពេលសាក្សី {quorum} បានចុះហត្ថលេខារួម) "
        "ប៉ុន្តែគ្មាននរណាបានចុះហត្ថលេខារួមលើចំណុចត្រួតពិនិត្យដែលកំណត់កាលបរិច្ឆេទការសាកល្បងទាំងនេះទេ៖ "
        "កាលបរិច្ឆេទទាំងអស់ក្នុងរបាយការណ៍នេះ ពឹងផ្អែកតែលើនាឡិការបស់ម៉ាស៊ីនប្រមូល និងរបស់ probe ប៉ុណ្ណោះ។",
    ),
    "report_witness_some": (
        "The dates this report gives as witnessed brackets are vouched for by the collector's {witnesses} "
        "(a date stands when {quorum} of them cosigned), who cosigned the log's checkpoints with the time "
        "they saw them: a measurement was made after the witnessed checkpoint its probe had seen, and before "
        "the first witnessed checkpoint that holds it. The collector cannot back-date such a record, or show "
        "a different log to someone else, without contradicting those cosignatures. A date no witness "
        "vouches for rests on the collector's word and the probes' clocks alone, and this report says so "
        "where it gives one.",
        "កាលបរិច្ឆេទដែលរបាយការណ៍នេះផ្ដល់ជាចន្លោះពេលដែលសាក្សីបានបញ្ជាក់ ត្រូវបានធានាដោយសាក្សី {witnesses} "
        "របស់ម៉ាស៊ីនប្រមូល (កាលបរិច្ឆេទមួយមានសុពលភាព នៅពេលសាក្សី {quorum} បានចុះហត្ថលេខារួម) "
        "ដែលបានចុះហត្ថលេខារួមលើចំណុចត្រួតពិនិត្យនៃកំណត់ត្រា ជាមួយពេលវេលាដែលពួកគេបានឃើញវា។ "
        "ម៉ាស៊ីនប្រមូលមិនអាចកែកាលបរិច្ឆេទកំណត់ត្រាបែបនេះថយក្រោយ ឬបង្ហាញកំណត់ត្រាផ្សេងដល់អ្នកដទៃ "
        "ដោយមិនផ្ទុយនឹងហត្ថលេខារួមទាំងនោះបានទេ។ កាលបរិច្ឆេទដែលគ្មានសាក្សីបញ្ជាក់ ពឹងផ្អែកតែលើពាក្យរបស់ម៉ាស៊ីនប្រមូល "
        "និងនាឡិការបស់ probe ប៉ុណ្ណោះ ហើយរបាយការណ៍នេះនិយាយដូច្នោះ នៅកន្លែងដែលវាផ្ដល់កាលបរិច្ឆេទនោះ។",
    ),
    "report_bundle_witnessed": (
        " Only the witnessed brackets above are dates you can rely on.",
        " មានតែចន្លោះពេលដែលសាក្សីបានបញ្ជាក់ខាងលើប៉ុណ្ណោះ ដែលជាកាលបរិច្ឆេទអាចទុកចិត្តបាន។",
    ),
    "report_bundle_unwitnessed": (
        " No witness vouches for any date in this report.",
        " គ្មានសាក្សីណាបញ្ជាក់កាលបរិច្ឆេទណាមួយក្នុងរបាយការណ៍នេះទេ។",
    ),
    # witnessed date brackets (probe.analysis.brackets.say), used in the Khmer report
    "report_bracket_none": (
        "at a time no independent witness vouches for (the date rests on the collector's word alone)",
        "នៅពេលដែលគ្មានសាក្សីឯករាជ្យណាបញ្ជាក់ (កាលបរិច្ឆេទពឹងលើពាក្យរបស់ម៉ាស៊ីនប្រមូលតែប៉ុណ្ណោះ)",
    ),
    "report_bracket_who": (
        "as witnessed by {witnesses} of {total} independent witnesses",
        "ដូចដែលសាក្សីឯករាជ្យ {witnesses} ក្នុងចំណោម {total} បានបញ្ជាក់",
    ),
    "report_bracket_who_lab": (
        "as cosigned by demo-data's throwaway lab witness, which is not independent",
        "ដូចដែលសាក្សីសាកល្បងបណ្ដោះអាសន្នរបស់ demo-data បានចុះហត្ថលេខារួម ដែលមិនឯករាជ្យទេ",
    ),
    "report_bracket_between": (
        "between {after} and {by} UTC, {who}",
        "នៅចន្លោះ {after} និង {by} UTC {who}",
    ),
    "report_bracket_no_later": (
        "no later than {by} UTC (no witnessed lower bound), {who}",
        "មិនយឺតជាង {by} UTC (គ្មានព្រំដែនខាងក្រោមដែលសាក្សីបានបញ្ជាក់) {who}",
    ),
    "report_bracket_no_earlier": (
        "no earlier than {after} UTC (no witnessed upper bound yet)",
        "មិនមុន {after} UTC (មិនទាន់មានព្រំដែនខាងលើដែលសាក្សីបានបញ្ជាក់)",
    ),
    "report_began_witnessed": ("began {words}", "បានចាប់ផ្ដើម {words}"),
    "report_began_at_start_witnessed": (
        "was already in place when the data begins (first measurement made {words})",
        "មានរួចហើយនៅពេលទិន្នន័យចាប់ផ្ដើម (ការសាកល្បងដំបូងបានធ្វើ {words})",
    ),
    "report_ended_witnessed": ("ended {words}", "បានបញ្ចប់ {words}"),
    "report_still_seen_witnessed": (
        "was still observed at the last measurement, made {words}",
        "នៅតែឃើញនៅការសាកល្បងចុងក្រោយ ដែលបានធ្វើ {words}",
    ),
    "report_clock_note_witnessed": (
        "Times are UTC; where witnesses vouch for a date, the report gives their bracket, otherwise the probes' "
        "own clocks.",
        "ពេលវេលាជា UTC។ កន្លែងដែលសាក្សីបញ្ជាក់កាលបរិច្ឆេទ របាយការណ៍ផ្ដល់ចន្លោះពេលរបស់ពួកគេ បើមិនដូច្នោះទេ "
        "គឺតាមនាឡិការបស់ probe ផ្ទាល់។",
    ),
    "report_clock_note_unwitnessed": (
        "Times are by the probes' own clocks (UTC); no independent witness vouches for them.",
        "ពេលវេលាគឺតាមនាឡិការបស់ probe ផ្ទាល់ (UTC)។ គ្មានសាក្សីឯករាជ្យណាបញ្ជាក់ពេលវេលាទាំងនេះទេ។",
    ),
    # Measurements the timeline rules do not count (bundle_tally.set_aside_reason): shown apart, never
    # as findings.
    "report_summary_nothing": (
        "No measurement of {site} in this bundle counts under the rules below.",
        "គ្មានការសាកល្បង {site} ណាមួយក្នុងកញ្ចប់នេះ ត្រូវបានរាប់តាមច្បាប់ខាងក្រោមទេ។",
    ),
    "report_set_aside": (
        " Set aside by the rules and not counted: {count} ({reasons}); the bundle holds every one, "
        "but none is a finding.",
        " ការសាកល្បង {count} ទៀត ត្រូវបានដាក់ចោលដោយច្បាប់ ហើយមិនត្រូវបានរាប់ទេ ({reasons})៖ "
        "វានៅក្នុងកញ្ចប់ ប៉ុន្តែមិនមែនជាលទ្ធផលរកឃើញទេ។",
    ),
    "report_aside_out_of_time": (
        "{count} outside their time bracket",
        "{count} នៅក្រៅចន្លោះពេលរបស់វា",
    ),
    "report_aside_claimed": (
        "{count} whose network was only claimed",
        "{count} ដែលបណ្ដាញត្រូវបានអះអាងតែប៉ុណ្ណោះ",
    ),
    "report_aside_controls": (
        "{count} from probes whose own control sites were failing",
        "{count} ពី probe ដែលគេហទំព័រត្រួតពិនិត្យរបស់ខ្លួនបរាជ័យ",
    ),
    "report_col_counted": ("Counted", "បានរាប់"),
    "report_col_set_aside": ("Set aside", "បានដាក់ចោល"),
    "report_proves_3": (
        "A signature does not prove the measurement is true: a volunteer's device, or a fake probe, can lie. "
        "That is why this report counts distinct probes and networks, labels each probe's enrolment tier, and "
        "requires corroboration by several measurements and probes before it says 'blocked'.",
        "ហត្ថលេខាមិនបញ្ជាក់ថាការសាកល្បងនោះពិតទេ៖ ឧបករណ៍របស់អ្នកស្ម័គ្រចិត្ត ឬ probe ក្លែងក្លាយ អាចកុហកបាន។ "
        "ហេតុនេះហើយបានជារបាយការណ៍នេះរាប់ probe និងបណ្ដាញខុសៗគ្នា បង្ហាញកម្រិតចុះឈ្មោះរបស់ probe នីមួយៗ "
        "ហើយទាមទារការបញ្ជាក់ដោយការសាកល្បង និង probe ច្រើន មុននឹងនិយាយថា «ត្រូវបានបិទ»។",
    ),
    "report_proves_4": (
        "A probe key is a pseudonym: it does not identify the volunteer, and the bundle holds no IP address.",
        "កូនសោ probe គឺជាឈ្មោះក្លែង៖ វាមិនបង្ហាញអត្តសញ្ញាណអ្នកស្ម័គ្រចិត្តទេ ហើយកញ្ចប់នេះគ្មានអាសយដ្ឋាន IP ទេ។",
    ),
    "report_proves_5": (
        "'Accessible' results show an absence of evidence, not proof of access: a censor could let known probes "
        "through.",
        "លទ្ធផល «បើកបាន» បង្ហាញតែការខ្វះភស្តុតាង មិនមែនជាភស្តុតាងថាចូលបានទេ៖ អ្នកត្រួតពិនិត្យអាចអនុញ្ញាតឱ្យ "
        "probe ដែលគេស្គាល់ឆ្លងកាត់បាន។",
    ),
    "report_method_dns": ("tampering with DNS ({method})", "ការរំខានលើ DNS ({method})"),
    "report_method_tcp": (
        "interfering with connections to the site's servers ({method})",
        "ការរំខានលើការតភ្ជាប់ទៅម៉ាស៊ីនមេរបស់គេហទំព័រ ({method})",
    ),
    "report_method_tls": (
        "interfering with the secure (TLS) connection ({method})",
        "ការរំខានលើការតភ្ជាប់សុវត្ថិភាព (TLS) ({method})",
    ),
    "report_method_http": (
        "interfering with the web request or page ({method})",
        "ការរំខានលើសំណើ ឬទំព័រវេប ({method})",
    ),
    "report_method_dns.bogon": (
        "DNS answers pointing to a private address instead of the site's servers",
        "ចម្លើយ DNS ដែលចង្អុលទៅអាសយដ្ឋានឯកជន ជំនួសឱ្យម៉ាស៊ីនមេរបស់គេហទំព័រ",
    ),
    "report_method_dns.nxdomain": (
        "DNS answers saying the site does not exist, while an independent resolver found it",
        "ចម្លើយ DNS ដែលថាគេហទំព័រមិនមាន ខណៈដែលម៉ាស៊ីនដោះស្រាយឯករាជ្យរកឃើញវា",
    ),
    "report_method_tls.reset": (
        "cutting the secure (TLS) connection as soon as the site's name was sent",
        "ការកាត់ការតភ្ជាប់សុវត្ថិភាព (TLS) ភ្លាមៗ នៅពេលឈ្មោះគេហទំព័រត្រូវបានផ្ញើ",
    ),
    "report_method_http.blockpage": (
        "a known block page returned instead of the site",
        "ទំព័របិទដែលគេស្គាល់ ត្រូវបានបញ្ជូនមកជំនួសឱ្យគេហទំព័រ",
    ),
    "report_country_kh": ("Cambodia", "កម្ពុជា"),
    # charts (probe export chart --lang km) ------------------------------------------------------------
    "chart_state_blocked": ("blocked", "ត្រូវបានបិទ"),
    "chart_state_accessible": ("accessible", "បើកបាន"),
    "chart_state_down": ("site down (control too)", "គេហទំព័រមិនដំណើរការ (ការត្រួតពិនិត្យក៏ដូចគ្នា)"),
    "chart_state_inconclusive": ("inconclusive", "មិនច្បាស់"),
    "chart_state_gap": ("no data", "គ្មានទិន្នន័យ"),
    "chart_event_blocking_start": (
        "blocking first seen (published change)",
        "ការបិទត្រូវបានឃើញដំបូង (ការផ្លាស់ប្ដូរដែលបានផ្សព្វផ្សាយ)",
    ),
    "chart_event_blocking_end": (
        "end of blocking first seen (published change)",
        "ការបញ្ចប់ការបិទត្រូវបានឃើញដំបូង (ការផ្លាស់ប្ដូរដែលបានផ្សព្វផ្សាយ)",
    ),
    "chart_event_state_change": (
        "other change first seen (published change)",
        "ការផ្លាស់ប្ដូរផ្សេងទៀតត្រូវបានឃើញដំបូង (ការផ្លាស់ប្ដូរដែលបានផ្សព្វផ្សាយ)",
    ),
    "chart_incomplete": ("incomplete window", "ថ្ងៃមិនទាន់ចប់"),
    "chart_title": (
        "{subject} {across} · {start} to {end} (UTC) · {window} windows · timeline rules {version}",
        "{subject} {across} · ពី {start} ដល់ {end} (UTC) · {window} · ច្បាប់ពេលវេលា {version}",
    ),
    "chart_across_networks": ("across networks", "នៅលើបណ្ដាញនានា"),
    "chart_across_sites": ("across sites", "លើគេហទំព័រនានា"),
    "chart_daily": ("daily", "តាមថ្ងៃ"),
    "chart_hourly": ("hourly", "តាមម៉ោង"),
    "chart_footer": ("Saksi · timeline rules {version}", "Saksi · ច្បាប់ពេលវេលា {version}"),
    "chart_lab_stamp": ("LAB DATA - NOT EVIDENCE", "ទិន្នន័យសាកល្បង - មិនមែនភស្តុតាង"),
    "chart_control": ("control site", "គេហទំព័រត្រួតពិនិត្យ"),
    # verdict explanations by rule id (probe.classify.rules); the signed English stays in the measurement
    "rule.dns.injection": (
        "two different DNS answers came back: someone on the way answered first",
        "ចម្លើយ DNS ពីរផ្សេងគ្នាបានមក៖ មាននរណាម្នាក់នៅតាមផ្លូវឆ្លើយមុន",
    ),
    "rule.dns.rcode": (
        "this network's DNS failed, while the control found the site",
        "DNS របស់បណ្ដាញនេះបរាជ័យ ខណៈសេវាប្រៀបធៀបរកឃើញគេហទំព័រ",
    ),
    "rule.dns.rcode.local": (
        "this network's DNS failed, while other DNS servers answered",
        "DNS របស់បណ្ដាញនេះបរាជ័យ ខណៈម៉ាស៊ីន DNS ផ្សេងទៀតឆ្លើយ",
    ),
    "rule.dns.bogon": (
        "this network's DNS gave only private addresses",
        "DNS របស់បណ្ដាញនេះផ្ដល់តែអាសយដ្ឋានឯកជនប៉ុណ្ណោះ",
    ),
    "rule.dns.fingerprint": (
        "this network's DNS pointed to a known block page server",
        "DNS របស់បណ្ដាញនេះចង្អុលទៅម៉ាស៊ីនទំព័របិទដែលគេស្គាល់",
    ),
    "rule.dns.isp_sinkhole": (
        "the DNS answer points to the internet provider's own server, which does not open",
        "ចម្លើយ DNS ចង្អុលទៅម៉ាស៊ីនរបស់ក្រុមហ៊ុនអ៊ីនធឺណិតផ្ទាល់ ដែលបើកមិនបាន",
    ),
    "rule.dns.inconsistent": (
        "the DNS answer differs from the control's and the site could not be reached",
        "ចម្លើយ DNS ខុសពីសេវាប្រៀបធៀប ហើយមិនអាចចូលគេហទំព័របាន",
    ),
    "rule.tls.mitm": (
        "the secure connection was answered with an untrusted certificate: interception",
        "ការតភ្ជាប់សុវត្ថិភាពទទួលបានវិញ្ញាបនបត្រមិនគួរទុកចិត្ត៖ ការស្ទាក់ចាប់",
    ),
    "rule.tls.sni": (
        "the secure connection failed only when the site's name was sent",
        "ការតភ្ជាប់សុវត្ថិភាពបរាជ័យ តែពេលផ្ញើឈ្មោះគេហទំព័រប៉ុណ្ណោះ",
    ),
    "rule.tcp.ip": (
        "every connection to the site's address failed, while the control connected",
        "ការតភ្ជាប់ទាំងអស់ទៅអាសយដ្ឋានគេហទំព័របរាជ័យ ខណៈសេវាប្រៀបធៀបភ្ជាប់បាន",
    ),
    "rule.tcp.connect": (
        "connecting to the site failed, while the control connected",
        "ការភ្ជាប់ទៅគេហទំព័របរាជ័យ ខណៈសេវាប្រៀបធៀបភ្ជាប់បាន",
    ),
    "rule.http.fingerprint": ("the page is a known block page", "ទំព័រនេះជាទំព័របិទដែលគេស្គាល់"),
    "rule.http.failure": (
        "getting the page failed, while the control got it",
        "ការទាញយកទំព័របរាជ័យ ខណៈសេវាប្រៀបធៀបទាញយកបាន",
    ),
    "rule.http.diff": (
        "the page is not the one the control got",
        "ទំព័រនេះមិនមែនជាទំព័រដែលសេវាប្រៀបធៀបទទួលបានទេ",
    ),
    "rule.down.control": (
        "the control could not reach the site either: the site is down",
        "សេវាប្រៀបធៀបក៏ចូលគេហទំព័រមិនបានដែរ៖ គេហទំព័រមិនដំណើរការ",
    ),
    "rule.down.dns": (
        "the control could not find the site's name either",
        "សេវាប្រៀបធៀបក៏រកឈ្មោះគេហទំព័រមិនឃើញដែរ",
    ),
    "rule.accessible.http": (
        "the page opened and matches the control",
        "ទំព័របានបើក ហើយដូចនឹងសេវាប្រៀបធៀប",
    ),
    "rule.accessible.fp": (
        "the page looks odd but is not a block page",
        "ទំព័រមើលទៅចម្លែក តែមិនមែនជាទំព័របិទទេ",
    ),
    "rule.inconclusive.no_control": (
        "something failed, but there is no control to compare with",
        "មានអ្វីមួយបរាជ័យ តែគ្មានសេវាប្រៀបធៀបដើម្បីប្រៀបធៀបទេ",
    ),
    "rule.inconclusive.mixed": (
        "what was seen does not fit any blocking rule",
        "អ្វីដែលបានឃើញ មិនត្រូវនឹងច្បាប់បិទណាមួយទេ",
    ),
    "rule.inconclusive.incomplete": (
        "the measurement stopped before it was complete",
        "ការសាកល្បងបានឈប់មុនពេលចប់",
    ),
    "confidence_confirmed": ("confirmed", "បានបញ្ជាក់"),
    "confidence_likely": ("likely", "ទំនងជា"),
    "confidence_possible": ("possible", "អាចទៅរួច"),
    # probe results -------------------------------------------------------------------------------------
    "col_id": ("id", "លេខ"),
    "col_started": ("started_at", "ពេលចាប់ផ្ដើម"),
    "col_rule": ("rule", "ច្បាប់"),
    "col_upload": ("upload", "ការបញ្ជូន"),
    "upload_pending": ("pending", "កំពុងរង់ចាំ"),
    "upload_uploaded": ("uploaded", "បានបញ្ជូន"),
    "upload_dead": ("dead", "ត្រូវបានបដិសេធ"),
    "upload_interrupted": ("interrupted", "បានផ្អាក"),
    "no_store_yet": (
        "no measurements yet: the store {path} does not exist; `probe run` creates it",
        "មិនទាន់មានលទ្ធផលទេ៖ មិនមានឃ្លាំង {path} ទេ។ `probe run` បង្កើតវា",
    ),
    "res_outbox": (
        "outbox: {waiting} waiting, {uploaded} uploaded, {dead} rejected by the collector{reasons}",
        "ប្រអប់ចេញ៖ {waiting} កំពុងរង់ចាំ, {uploaded} បានបញ្ជូន, {dead} ត្រូវបានម៉ាស៊ីនប្រមូលបដិសេធ{reasons}",
    ),
    "res_rejected": ("rejected", "ត្រូវបានបដិសេធ"),
    "res_shown": (
        "{shown} shown of {total} stored in {path}; `probe results show ID` for one in full",
        "បង្ហាញ {shown} ក្នុងចំណោម {total} ដែលរក្សាទុកក្នុង {path}។ `probe results show ID` ដើម្បីមើលមួយពេញ",
    ),
    "bad_since": (
        "--since {value!r} is not a date; write 2026-11-24 or 2026-11-24T08:00 (UTC)",
        "--since {value!r} មិនមែនជាកាលបរិច្ឆេទទេ។ សរសេរ 2026-11-24 ឬ 2026-11-24T08:00 (UTC)",
    ),
    "res_no_match": (
        "no stored measurement has an id starting with {prefix!r}; see `probe results`",
        "គ្មានលទ្ធផលដែលមានលេខចាប់ផ្ដើមដោយ {prefix!r} ទេ។ មើល `probe results`",
    ),
    "res_many": (
        "{prefix!r} matches more than one measurement; give more characters",
        "{prefix!r} ត្រូវនឹងលទ្ធផលច្រើនជាងមួយ។ សូមដាក់តួអក្សរបន្ថែម",
    ),
    # the daemon's log (probe daemon); one line each, never an address ----------------------------------
    "run_full": ("full", "ពេញ"),
    "run_watch": ("watch {number}", "តាមដាន {number}"),
    "log_stopping": ("stopping: {why}; nothing more is measured", "កំពុងឈប់៖ {why}។ មិនសាកល្បងអ្វីទៀតទេ"),
    "log_skipped": ("run skipped: {why}", "រំលងការសាកល្បង៖ {why}"),
    "log_busy": (
        "{kind} run skipped: another run is still going",
        "រំលងការសាកល្បង {kind}៖ ការសាកល្បងមួយទៀតកំពុងដំណើរការ",
    ),
    "log_measuring": ("{kind} run: measuring {count} URLs", "ការសាកល្បង {kind}៖ កំពុងសាកល្បងគេហទំព័រ {count}"),
    "log_done": ("{kind} run done: {count} measured", "ការសាកល្បង {kind} ចប់៖ បានសាកល្បង {count}"),
    "log_run_problem": ("{kind} run: {why}", "ការសាកល្បង {kind}៖ {why}"),
    "log_run_stopped": (
        "{kind} run stopped; what was measured is kept, the URLs in flight as interrupted",
        "ការសាកល្បង {kind} បានឈប់។ លទ្ធផលត្រូវបានរក្សាទុក គេហទំព័រដែលកំពុងសាកល្បងជា «បានផ្អាក»",
    ),
    "log_run_failed": ("{kind} run failed: {why}", "ការសាកល្បង {kind} បរាជ័យ៖ {why}"),
    "log_enrol_refused": (
        "enrolment refused: {why}; the measurements wait in the outbox",
        "ការចុះឈ្មោះត្រូវបានបដិសេធ៖ {why}។ លទ្ធផលរង់ចាំក្នុងប្រអប់ចេញ",
    ),
    "log_upload": (
        "upload: {uploaded} uploaded, {rejected} rejected, {waiting} waiting{error}",
        "ការបញ្ជូន៖ {uploaded} បានបញ្ជូន, {rejected} ត្រូវបានបដិសេធ, {waiting} កំពុងរង់ចាំ{error}",
    ),
    "log_upload_error": ("upload: {why}", "ការបញ្ជូន៖ {why}"),
    "log_lists": ("lists refreshed: {count} URLs", "បានធ្វើបច្ចុប្បន្នភាពបញ្ជី៖ គេហទំព័រ {count}"),
    "log_lists_failed": ("list refresh failed: {why}", "ការធ្វើបច្ចុប្បន្នភាពបញ្ជីបរាជ័យ៖ {why}"),
    "log_list_kept": (
        "list {name}: the collector's list is not used, the one you imported is kept",
        "បញ្ជី {name}៖ មិនប្រើបញ្ជីរបស់ម៉ាស៊ីនប្រមូលទេ បញ្ជីដែលអ្នកបាននាំចូលត្រូវបានរក្សាទុក",
    ),
    "log_net_refused": (
        "network changed: AS{old} -> AS{new}; {why}",
        "បណ្ដាញបានផ្លាស់ប្ដូរ៖ AS{old} -> AS{new}។ {why}",
    ),
    "log_net_changed": (
        "network changed: AS{old} -> AS{new}; measuring soon with this network's key",
        "បណ្ដាញបានផ្លាស់ប្ដូរ៖ AS{old} -> AS{new}។ នឹងសាកល្បងឆាប់ៗ ដោយប្រើកូនសោរបស់បណ្ដាញនេះ",
    ),
    "log_not_starting": ("not starting: {why}", "មិនចាប់ផ្ដើមទេ៖ {why}"),
    "log_was_interrupted": (
        "run {run} was interrupted earlier: {measured} of {planned} URLs measured and kept",
        "ការសាកល្បង {run} ត្រូវបានផ្អាកពីមុន៖ បានសាកល្បង និងរក្សាទុក {measured} ក្នុងចំណោម {planned}",
    ),
    "log_started": (
        "daemon started: a run every {hours} h; next at {next}",
        "daemon បានចាប់ផ្ដើម៖ សាកល្បងរៀងរាល់ {hours} ម៉ោង។ លើកក្រោយនៅ {next}",
    ),
    "log_stopped": ("daemon stopped", "daemon បានឈប់"),
    "log_job": ("job {job} {state}", "ការងារ {job} {state}"),
    "log_job_started": ("started", "បានចាប់ផ្ដើម"),
    "log_job_done": ("done", "បានចប់"),
    # probe targets -----------------------------------------------------------------------------------
    "tg_col_list": ("list", "បញ្ជី"),
    "tg_col_origin": ("origin", "ប្រភព"),
    "tg_col_urls": ("URLs", "គេហទំព័រ"),
    "tg_col_default": ("measured by default", "សាកល្បងជាលំនាំដើម"),
    "tg_col_url": ("url", "គេហទំព័រ"),
    "tg_col_category": ("category", "ប្រភេទ"),
    "tg_col_notes": ("notes", "កំណត់ចំណាំ"),
    "tg_imported": ("imported", "បាននាំចូល"),
    "tg_builtin": ("built-in", "មានស្រាប់"),
    "tg_fingerprints": (
        "fingerprints: {builtin} built-in, {imported} imported. Sensitive categories ({codes}) are measured only "
        "when asked.",
        "ស្នាមសម្គាល់ទំព័របិទ៖ {builtin} មានស្រាប់, {imported} បាននាំចូល។ ប្រភេទរសើប ({codes}) "
        "ត្រូវបានសាកល្បង តែពេលអ្នកសុំប៉ុណ្ណោះ។",
    ),
    "tg_title": ("{name}: {shown} of {total} URLs", "{name}៖ គេហទំព័រ {shown} ក្នុងចំណោម {total}"),
    "tg_no_file": ("{path} does not exist or is not a file", "{path} មិនមាន ឬមិនមែនជាឯកសារទេ"),
    "tg_builtin_taken": (
        "a built-in list is already named {name!r}; import under another name with --name {name}-imported, or "
        "pass --replace to use yours in its place (undo with `probe targets remove {name}`)",
        "មានបញ្ជីស្រាប់ឈ្មោះ {name!r} រួចហើយ។ នាំចូលក្រោមឈ្មោះផ្សេងដោយ --name {name}-imported ឬដាក់ "
        "--replace ដើម្បីប្រើបញ្ជីរបស់អ្នកជំនួស (លុបចោលវិញដោយ `probe targets remove {name}`)",
    ),
    "tg_replaced": (
        "replaced the earlier import of {name!r} ({count} URLs)",
        "បានជំនួសការនាំចូលមុនរបស់ {name!r} (គេហទំព័រ {count})",
    ),
    "tg_duplicates": ("; {count} duplicated URLs left out", "; គេហទំព័រស្ទួន {count} ត្រូវបានទុកចោល"),
    "tg_import_done": (
        "imported {count} URLs as list {name!r}{note}; {sensitive} in sensitive categories are measured only with "
        "--include-sensitive",
        "បាននាំចូលគេហទំព័រ {count} ជាបញ្ជី {name!r}{note}។ {sensitive} ក្នុងប្រភេទរសើប ត្រូវបានសាកល្បង "
        "តែជាមួយ --include-sensitive ប៉ុណ្ណោះ",
    ),
    "tg_not_imported": (
        "no imported list is named {name!r}; `probe targets list` shows them",
        "គ្មានបញ្ជីដែលបាននាំចូលឈ្មោះ {name!r} ទេ។ `probe targets list` បង្ហាញពួកវា",
    ),
    "tg_builtin_back": (
        "; the built-in list of that name is used again",
        "។ បញ្ជីស្រាប់ដែលមានឈ្មោះនោះ ត្រូវបានប្រើម្ដងទៀត",
    ),
    "tg_removed": (
        "removed the imported list {name!r} ({count} URLs){back}",
        "បានលុបបញ្ជីដែលបាននាំចូល {name!r} (គេហទំព័រ {count}){back}",
    ),
    "tg_fp_done": (
        "imported {count} fingerprints ({fp} known false positives, checked first)",
        "បាននាំចូលស្នាមសម្គាល់ {count} (ការយល់ច្រឡំដែលគេស្គាល់ {fp} ត្រូវបានពិនិត្យមុន)",
    ),
    # probe keys show ------------------------------------------------------------------------------------
    "key_network": ("network", "បណ្ដាញ"),
    "key_unknown": (
        "the network is unknown: set probe.asn or pass --asn N for this network's key",
        "មិនស្គាល់បណ្ដាញទេ៖ កំណត់ probe.asn ឬដាក់ --asn N ដើម្បីបានកូនសោរបស់បណ្ដាញនេះ",
    ),
    "key_id": ("key id", "លេខកូនសោ"),
    "key_raw": ("raw", "កូនសោឆៅ"),
    "key_vkey": ("vkey", "កូនសោ vkey"),
    # probe upload, probe enrol ------------------------------------------------------------------------
    "no_collector": (
        "no collector is set, so measurements stay in the local outbox: set upload.url in the config file or "
        "PROBE_UPLOAD__URL (for example https://collector.example.org)",
        "មិនបានកំណត់ម៉ាស៊ីនប្រមូលទេ ដូច្នេះលទ្ធផលនៅក្នុងប្រអប់ចេញលើម៉ាស៊ីននេះ៖ កំណត់ upload.url ក្នុងឯកសារកំណត់ "
        "ឬ PROBE_UPLOAD__URL (ឧទាហរណ៍ https://collector.example.org)",
    ),
    "enrol_new": ("enrolled", "បានចុះឈ្មោះ"),
    "enrol_again": ("already enrolled", "បានចុះឈ្មោះរួចហើយ"),
    "enrol_done": (
        "{state}: key {kid} for AS{asn} {quarter} at {url} (tier {tier})",
        "{state}៖ កូនសោ {kid} សម្រាប់ AS{asn} {quarter} នៅ {url} (កម្រិត {tier})",
    ),
    # probe demo ---------------------------------------------------------------------------------------
    "demo_store_exists": (
        "--store {path} already exists; the demo writes lab results only into a new file",
        "--store {path} មានរួចហើយ។ ការបង្ហាញសរសេរលទ្ធផលសាកល្បងតែក្នុងឯកសារថ្មីប៉ុណ្ណោះ",
    ),
    "demo_starting": (
        "starting the censorship lab and a control service on loopback…",
        "កំពុងចាប់ផ្ដើមមន្ទីរពិសោធន៍ការបិទ និងសេវាប្រៀបធៀប នៅលើម៉ាស៊ីននេះ…",
    ),
    "demo_title": (
        "Saksi censorship lab: expected and given verdicts",
        "មន្ទីរពិសោធន៍ Saksi៖ លទ្ធផលរំពឹងទុក និងលទ្ធផលដែលទទួលបាន",
    ),
    "demo_col_scenario": ("scenario", "ករណី"),
    "demo_col_expected": ("expected", "រំពឹងទុក"),
    "demo_col_given": ("given", "ទទួលបាន"),
    "demo_summary": (
        "{good} of {total} scenarios gave the expected verdict",
        "ករណី {good} ក្នុងចំណោម {total} ផ្ដល់លទ្ធផលដូចរំពឹងទុក",
    ),
    # probe verify, one record (bundle wording is for advocates and stays English) ----------------------
    "vf_envelope_ok": (
        "verified: signature by key {kid} over the measurement's bytes; NOT checked: a receipt, inclusion in the "
        "log (a bare envelope has none)",
        "បានផ្ទៀងផ្ទាត់៖ ហត្ថលេខាដោយកូនសោ {kid} លើលទ្ធផល។ មិនបានពិនិត្យ៖ បង្កាន់ដៃ និងការចូលក្នុងកំណត់ហេតុ "
        "(ស្រោមសំបុត្រទទេគ្មានទាំងនេះទេ)",
    ),
    "vf_record_ok": (
        "verified: signature, receipt, inclusion in checkpoint {size} of {origin}, signed by {name}",
        "បានផ្ទៀងផ្ទាត់៖ ហត្ថលេខា បង្កាន់ដៃ និងការចូលក្នុងចំណុចត្រួតពិនិត្យ {size} នៃ {origin} ដែលចុះហត្ថលេខាដោយ {name}",
    ),
    "vf_not_yet": (
        "not verified yet: the statement is not in a signed checkpoint yet; fetch the record again later",
        "មិនទាន់ផ្ទៀងផ្ទាត់បានទេ៖ លទ្ធផលមិនទាន់នៅក្នុងចំណុចត្រួតពិនិត្យដែលបានចុះហត្ថលេខាទេ។ សូមទាញយកម្ដងទៀតពេលក្រោយ",
    ),
    "vf_failed": (
        "FAILED: the check {check} did not pass; `probe --lang en verify -v FILE` gives the details",
        "បរាជ័យ៖ ការពិនិត្យ {check} មិនបានជាប់ទេ។ `probe --lang en verify -v FILE` ផ្ដល់ព័ត៌មានលម្អិត",
    ),
    "vf_key_from_file": (
        "note: the log key came from the file ({name}); compare it with the collector's published key, or pass "
        "--log-key",
        "ចំណាំ៖ កូនសោកំណត់ហេតុបានមកពីឯកសារ ({name})។ សូមប្រៀបធៀបវាជាមួយកូនសោដែលម៉ាស៊ីនប្រមូលបានផ្សព្វផ្សាយ ឬដាក់ --log-key",
    ),
    # why the daemon stops or a run stops (in its log and `probe status`) -----------------------------
    "log_store_gone": (
        "the store {path} was deleted or replaced (probe wipe?)",
        "ឃ្លាំង {path} ត្រូវបានលុប ឬជំនួស (probe wipe?)",
    ),
    "log_moved": (
        "the network changed to AS{asn} during the run, which is not approved; the run stopped",
        "បណ្ដាញបានប្ដូរទៅ AS{asn} ក្នុងពេលសាកល្បង ហើយវាមិនទាន់បានអនុញ្ញាតទេ។ ការសាកល្បងបានឈប់",
    ),
}

from probe.i18n.dashboard_words import DASHBOARD  # noqa: E402  (the dashboard's words, kept apart)

MESSAGES.update(DASHBOARD)
