"""The dashboard's words (probe.analysis.dashboard), English and Khmer: `?lang=km` shows the Khmer.

Merged into probe.i18n.catalogue.MESSAGES (so docs/khmer-review.md lists them); the state words are the
charts' `chart_state_*`. Pure data.
"""

from __future__ import annotations

DASHBOARD: dict[str, tuple[str, str]] = {
    "dash_brand_sub": ("website blocking, measured and signed", "ការបិទគេហទំព័រ ដែលបានវាស់ និងចុះហត្ថលេខា"),
    "dash_nav_overview": ("Overview", "ទិដ្ឋភាពទូទៅ"),
    "dash_nav_api": ("API", "API ទិន្នន័យ"),
    "dash_nav_checkpoint": ("Log checkpoint", "ចំណុចត្រួតពិនិត្យកំណត់ហេតុ"),
    "dash_lang_other": ("ភាសាខ្មែរ", "English"),
    "dash_lab_banner": (
        "LAB DATA: these measurements were invented by probe collector demo-data to try Saksi; they are not "
        "evidence of anything.",
        "ទិន្នន័យសាកល្បង៖ លទ្ធផលទាំងនេះត្រូវបានបង្កើតឡើងដោយ probe collector demo-data ដើម្បីសាកល្បង Saksi "
        "ហើយវាមិនមែនជាភស្តុតាងនៃអ្វីទាំងអស់។",
    ),
    "dash_footer": (
        "Saksi · timeline rules {version}. States are decided from signed measurements by versioned rules; every "
        "measurement links to its signature, receipt and transparency-log proof. Times are UTC.",
        "Saksi · ច្បាប់ពេលវេលា {version}។ ស្ថានភាពត្រូវបានសម្រេចពីលទ្ធផលដែលបានចុះហត្ថលេខា ដោយច្បាប់ដែលមានលេខកំណែ។ "
        "លទ្ធផលនីមួយៗភ្ជាប់ទៅហត្ថលេខា បង្កាន់ដៃ និងភស្តុតាងកំណត់ហេតុតម្លាភាពរបស់វា។ ម៉ោងជា UTC។",
    ),
    # overview
    "dash_overview_title": ("Overview as of {at}", "ទិដ្ឋភាពទូទៅគិតត្រឹម {at}"),
    "dash_overview_h1": ("Website blocking by network", "ការបិទគេហទំព័រតាមបណ្ដាញ"),
    "dash_overview_lede": (
        "The state of each site on each network as of {at} UTC, from the {days} days before ({start} to {end}).",
        "ស្ថានភាពនៃគេហទំព័រនីមួយៗលើបណ្ដាញនីមួយៗ គិតត្រឹម {at} UTC ពី {days} ថ្ងៃមុន (ពី {start} ដល់ {end})។",
    ),
    "dash_overview_end_of_data": (
        "There are no measurements in the last {days} days: this is the state at the end of the data.",
        "គ្មានលទ្ធផលក្នុងរយៈពេល {days} ថ្ងៃចុងក្រោយទេ៖ នេះជាស្ថានភាពនៅចុងបញ្ចប់នៃទិន្នន័យ។",
    ),
    "dash_overview_publish": (
        "A state is published once {count} consecutive daily windows agree; otherwise the latest window's state is "
        "shown as provisional. Sites blocked on at least one network come first.",
        "ស្ថានភាពមួយត្រូវបានផ្សព្វផ្សាយ នៅពេលដែលចន្លោះប្រចាំថ្ងៃ {count} ជាប់គ្នាយល់ស្រប។ បើមិនដូច្នោះទេ "
        "ស្ថានភាពនៃចន្លោះចុងក្រោយត្រូវបានបង្ហាញជាបណ្ដោះអាសន្ន។ គេហទំព័រដែលត្រូវបានបិទលើបណ្ដាញយ៉ាងហោចណាស់មួយ មកមុនគេ។",
    ),
    "dash_overview_open": (
        "The latest daily window is still open (incomplete): a provisional state taken from it is marked so and "
        "may change.",
        "ចន្លោះប្រចាំថ្ងៃចុងក្រោយនៅបើកនៅឡើយ (មិនទាន់ចប់)៖ ស្ថានភាពបណ្ដោះអាសន្នដែលយកពីវា ត្រូវបានសម្គាល់ ហើយអាចផ្លាស់ប្ដូរ។",
    ),
    "dash_form_at": ("As of (UTC date or time)", "គិតត្រឹម (កាលបរិច្ឆេទ ឬម៉ោង UTC)"),
    "dash_form_only": ("show only sites blocked somewhere", "បង្ហាញតែគេហទំព័រដែលត្រូវបានបិទនៅកន្លែងណាមួយ"),
    "dash_form_show": ("Show", "បង្ហាញ"),
    "dash_show_every": ("show every site", "បង្ហាញគេហទំព័រទាំងអស់"),
    "dash_only_blocked": ("only blocked sites", "តែគេហទំព័រដែលត្រូវបានបិទ"),
    "dash_empty": ("No measurements in this period.", "គ្មានលទ្ធផលក្នុងរយៈពេលនេះទេ។"),
    "dash_none_blocked": (
        "No site is blocked on any network as of this time.",
        "គ្មានគេហទំព័រណាត្រូវបានបិទលើបណ្ដាញណាមួយ គិតត្រឹមពេលនេះទេ។",
    ),
    "dash_only_controls": (
        "Only control sites were measured in this period.",
        "មានតែគេហទំព័រត្រួតពិនិត្យប៉ុណ្ណោះ ដែលត្រូវបានវាស់ក្នុងរយៈពេលនេះ។",
    ),
    "dash_col_site": ("Site", "គេហទំព័រ"),
    "dash_unknown_network": ("unknown network", "បណ្ដាញមិនស្គាល់"),
    "dash_not_measured": ("not measured", "មិនបានវាស់"),
    "dash_since": ("since {date}", "ចាប់តាំងពី {date}"),
    "dash_since_at_least": ("since at least {date}", "យ៉ាងហោចណាស់ចាប់តាំងពី {date}"),
    "dash_unchanged_since": ("unchanged since {date}", "មិនផ្លាស់ប្ដូរចាប់តាំងពី {date}"),
    "dash_published": ("published", "បានផ្សព្វផ្សាយ"),
    "dash_provisional": ("provisional · {date}", "បណ្ដោះអាសន្ន · {date}"),
    "dash_cell_counts": (
        "{blocked} of {measurements} measurements blocked · {probes} probes ({vouched} vouched)",
        "{blocked} ក្នុងចំណោមលទ្ធផល {measurements} ត្រូវបានបិទ · probe {probes} (បានធានា {vouched})",
    ),
    "dash_latest_window": ("latest window {label}", "ចន្លោះចុងក្រោយ {label}"),
    "dash_incomplete_today": ("incomplete (today)", "មិនទាន់ចប់ (ថ្ងៃនេះ)"),
    "dash_incomplete_hour": ("incomplete (this hour)", "មិនទាន់ចប់ (ម៉ោងនេះ)"),
    "dash_incomplete_cut": (
        "incomplete (cut at the end of the period)",
        "មិនទាន់ចប់ (កាត់នៅចុងបញ្ចប់នៃរយៈពេល)",
    ),
    "dash_left_out": (
        "This page shows {sites} sites and {networks} networks: sites with a published state or on the "
        "collector's test lists first, then those whose measurements rest on a corroborated basis, then the most "
        "measured.",
        "ទំព័រនេះបង្ហាញគេហទំព័រ {sites} និងបណ្ដាញ {networks}៖ គេហទំព័រដែលមានស្ថានភាពបានផ្សព្វផ្សាយ "
        "ឬនៅក្នុងបញ្ជីសាកល្បងមុនគេ បន្ទាប់មកគេហទំព័រដែលលទ្ធផលមានការបញ្ជាក់ បន្ទាប់មកគេហទំព័រដែលបានវាស់ច្រើនបំផុត។",
    ),
    "dash_more_after": ("{count} more sites follow", "គេហទំព័រ {count} ទៀតនៅបន្ទាប់"),
    "dash_come_before": ("{count} sites come before", "គេហទំព័រ {count} នៅមុន"),
    "dash_more_networks": (
        "{count} more networks are on their own pages and in the exports.",
        "បណ្ដាញ {count} ទៀតមាននៅលើទំព័ររបស់វា និងក្នុងការនាំចេញ។",
    ),
    "dash_hidden": (
        "{count} sites not blocked on any network are hidden:",
        "គេហទំព័រ {count} ដែលមិនត្រូវបានបិទលើបណ្ដាញណាមួយ ត្រូវបានលាក់៖",
    ),
    "dash_controls_h": (
        "Control sites (should be reachable everywhere)",
        "គេហទំព័រត្រួតពិនិត្យ (គួរតែបើកបាននៅគ្រប់ទីកន្លែង)",
    ),
    "dash_controls_note": (
        "Sites measured to check the probes themselves, not news sites. If one of them is not accessible on a "
        "network, the measurements there deserve a closer look before any conclusion.",
        "គេហទំព័រដែលវាស់ដើម្បីពិនិត្យ probe ខ្លួនឯង មិនមែនគេហទំព័រព័ត៌មានទេ។ ប្រសិនបើគេហទំព័រមួយក្នុងចំណោមនោះ "
        "មិនអាចបើកបាននៅលើបណ្ដាញមួយ លទ្ធផលនៅទីនោះត្រូវការពិនិត្យឱ្យបានដិតដល់ មុននឹងសន្និដ្ឋាន។",
    ),
    "dash_cite_overview": (
        "Permalink: {link} · data from {first} to {last} UTC · matrix as of {at} UTC.",
        "តំណភ្ជាប់អចិន្ត្រៃយ៍៖ {link} · ទិន្នន័យពី {first} ដល់ {last} UTC · តារាងគិតត្រឹម {at} UTC។",
    ),
    # legend
    "dash_legend": ("Legend", "គំនូសសម្គាល់"),
    "dash_legend_incomplete": (
        "incomplete window (still open: may change)",
        "ចន្លោះមិនទាន់ចប់ (នៅបើក៖ អាចផ្លាស់ប្ដូរ)",
    ),
    # errors
    "dash_error_unknown_network": ("Unknown network", "បណ្ដាញមិនស្គាល់"),
    "dash_error_unknown_site": ("Unknown site", "គេហទំព័រមិនស្គាល់"),
    "dash_error_unknown_measurement": ("Unknown measurement", "លទ្ធផលមិនស្គាល់"),
    "dash_error_bad_request": ("Bad request", "សំណើមិនត្រឹមត្រូវ"),
    "dash_error_nothing_measured": (
        "Nothing has been measured for {name} on this collector.",
        "គ្មានអ្វីត្រូវបានវាស់សម្រាប់ {name} នៅលើម៉ាស៊ីនប្រមូលនេះទេ។",
    ),
    "dash_error_no_measurement": (
        "No measurement with this id or payload hash is stored here.",
        "គ្មានលទ្ធផលដែលមានលេខសម្គាល់ ឬ hash នេះត្រូវបានរក្សាទុកនៅទីនេះទេ។",
    ),
    "dash_error_not_asn": (
        "{raw} is not an AS number (e.g. 38623 or AS38623).",
        "{raw} មិនមែនជាលេខ AS ទេ (ឧ. 38623 ឬ AS38623)។",
    ),
    "dash_error_not_asn_none": (
        "{raw} is not an AS number (e.g. 38623 or AS38623), and no network measured here has a name containing it.",
        "{raw} មិនមែនជាលេខ AS ទេ (ឧ. 38623 ឬ AS38623) ហើយគ្មានបណ្ដាញណាដែលបានវាស់នៅទីនេះ មានឈ្មោះដែលមានវាទេ។",
    ),
    "dash_did_you_mean": ("Did you mean {link}?", "តើអ្នកចង់និយាយថា {link} មែនទេ?"),
    "dash_did_you_mean_many": ("Did you mean one of these?", "តើអ្នកចង់និយាយថាមួយក្នុងចំណោមទាំងនេះមែនទេ?"),
    "dash_back": ("Back to the overview", "ត្រឡប់ទៅទិដ្ឋភាពទូទៅ"),
    # a site's or a network's page
    "dash_subject_title_asn": ("{subject} across sites", "{subject} លើគេហទំព័រនានា"),
    "dash_subject_title_domain": ("{subject} across networks", "{subject} នៅលើបណ្ដាញនានា"),
    "dash_crumb_network": ("network", "បណ្ដាញ"),
    "dash_crumb_site": ("site", "គេហទំព័រ"),
    "dash_lede_asn": (
        "Every site measured on this network, {window} windows from {start} to {end} UTC.",
        "គេហទំព័រទាំងអស់ដែលបានវាស់លើបណ្ដាញនេះ ចន្លោះ{window} ពី {start} ដល់ {end} UTC។",
    ),
    "dash_lede_domain": (
        "This site on every network it was measured on, {window} windows from {start} to {end} UTC.",
        "គេហទំព័រនេះលើគ្រប់បណ្ដាញដែលវាត្រូវបានវាស់ ចន្លោះ{window} ពី {start} ដល់ {end} UTC។",
    ),
    "dash_lede_incomplete": (
        "Pale hatched windows are incomplete: they reach past the time shown (e.g. today) and may still change.",
        "ចន្លោះដែលមានឆ្នូតស្រាលៗ មិនទាន់ចប់៖ វាលើសពីពេលដែលបង្ហាញ (ឧ. ថ្ងៃនេះ) ហើយអាចនៅផ្លាស់ប្ដូរ។",
    ),
    "dash_form_since": ("Since", "ចាប់ពី"),
    "dash_form_until": ("Until", "រហូតដល់"),
    "dash_form_window": ("Window", "ចន្លោះ"),
    "dash_window_day": ("day", "ថ្ងៃ"),
    "dash_window_hour": ("hour", "ម៉ោង"),
    "dash_form_apply": ("Apply", "អនុវត្ត"),
    "dash_fact_measurements": ("Measurements", "លទ្ធផល"),
    "dash_fact_probes": ("Probes", "ចំនួន probe"),
    "dash_fact_vouched": ("Vouched probes", "probe ដែលបានធានា"),
    "dash_fact_unverified": ("Unverified probes", "probe ដែលមិនទាន់ផ្ទៀងផ្ទាត់"),
    "dash_fact_data": ("Data", "ទិន្នន័យ"),
    "dash_h_timeline": ("Timeline", "ពេលវេលា"),
    "dash_left_out_rows": (
        "{count} more rows in this period are not shown here; the exports hold them all. Shown first: those with a "
        "published state or on the collector's test lists, then those whose measurements rest on a corroborated "
        "basis, then the most measured.",
        "ជួរ {count} ទៀតក្នុងរយៈពេលនេះ មិនត្រូវបានបង្ហាញនៅទីនេះទេ ការនាំចេញមានវាទាំងអស់។ បង្ហាញមុនគេ៖ "
        "ជួរដែលមានស្ថានភាពបានផ្សព្វផ្សាយ ឬនៅក្នុងបញ្ជីសាកល្បង បន្ទាប់មកជួរដែលលទ្ធផលមានការបញ្ជាក់ បន្ទាប់មកជួរដែលបានវាស់ច្រើនបំផុត។",
    ),
    "dash_controls_note_subject": (
        "Measured to check the probes themselves, not news sites: if one is not accessible here, look closer at "
        "this network's measurements before drawing conclusions.",
        "វាស់ដើម្បីពិនិត្យ probe ខ្លួនឯង មិនមែនគេហទំព័រព័ត៌មានទេ៖ ប្រសិនបើគេហទំព័រមួយមិនអាចបើកបាននៅទីនេះ "
        "សូមពិនិត្យលទ្ធផលនៃបណ្ដាញនេះឱ្យបានដិតដល់ មុននឹងសន្និដ្ឋាន។",
    ),
    "dash_h_events": ("Events", "ព្រឹត្តិការណ៍"),
    "dash_events_note": (
        "A change is published after {count} consecutive windows with data agree ({rules}). It happened after the "
        "last measurement that showed otherwise and no later than the first that showed the new state.",
        "ការផ្លាស់ប្ដូរមួយត្រូវបានផ្សព្វផ្សាយ បន្ទាប់ពីចន្លោះ {count} ជាប់គ្នាដែលមានទិន្នន័យយល់ស្រប ({rules})។ "
        "វាបានកើតឡើងក្រោយលទ្ធផលចុងក្រោយដែលបង្ហាញផ្សេង និងមិនយឺតជាងលទ្ធផលដំបូងដែលបង្ហាញស្ថានភាពថ្មី។",
    ),
    "dash_events_left_out": (
        "The latest events are shown; {count} earlier events are in the events export.",
        "ព្រឹត្តិការណ៍ចុងក្រោយត្រូវបានបង្ហាញ ព្រឹត្តិការណ៍ {count} មុននោះមាននៅក្នុងការនាំចេញព្រឹត្តិការណ៍។",
    ),
    "dash_no_events": ("No published state in this period.", "គ្មានស្ថានភាពដែលបានផ្សព្វផ្សាយក្នុងរយៈពេលនេះទេ។"),
    "dash_col_network": ("Network", "បណ្ដាញ"),
    "dash_col_event": ("Event", "ព្រឹត្តិការណ៍"),
    "dash_col_when": ("When", "ពេលណា"),
    "dash_col_method": ("Method", "វិធី"),
    "dash_col_confidence": ("Confidence", "កម្រិតទំនុកចិត្ត"),
    "dash_col_published": ("Published", "បានផ្សព្វផ្សាយ"),
    "dash_col_measurements": ("Measurements", "លទ្ធផល"),
    "dash_event_blocking_start": ("blocking started", "ការបិទបានចាប់ផ្ដើម"),
    "dash_event_blocking_end": ("blocking ended", "ការបិទបានបញ្ចប់"),
    "dash_event_state_change": ("state changed", "ស្ថានភាពបានផ្លាស់ប្ដូរ"),
    "dash_event_state_at_start": ("in force when the data begins", "មានស្រាប់នៅពេលទិន្នន័យចាប់ផ្ដើម"),
    "dash_current": ("current", "បច្ចុប្បន្ន"),
    "dash_between": ("between {after} and {by}", "នៅចន្លោះ {after} និង {by}"),
    "dash_no_later": (
        "no later than {by} (no earlier measurement showed otherwise)",
        "មិនយឺតជាង {by} (គ្មានលទ្ធផលមុននេះបង្ហាញផ្សេងទេ)",
    ),
    "dash_published_at": ("published {at}", "បានផ្សព្វផ្សាយ {at}"),
    "dash_published_open": (
        "published by a window still open: {label}",
        "បានផ្សព្វផ្សាយដោយចន្លោះដែលនៅបើក៖ {label}",
    ),
    "dash_uid_before": ("last before: {uid}", "ចុងក្រោយមុន៖ {uid}"),
    "dash_uid_before_title": (
        "last measurement that showed otherwise",
        "លទ្ធផលចុងក្រោយដែលបង្ហាញផ្សេង",
    ),
    "dash_uid_first": ("first: {uid}", "ដំបូង៖ {uid}"),
    "dash_uid_first_title": ("first measurement in the new state", "លទ្ធផលដំបូងក្នុងស្ថានភាពថ្មី"),
    "dash_uid_latest": ("latest: {uid}", "ចុងក្រោយ៖ {uid}"),
    "dash_uid_latest_title": ("last measurement in this state", "លទ្ធផលចុងក្រោយក្នុងស្ថានភាពនេះ"),
    "dash_h_rules": ("Rules behind these windows", "ច្បាប់នៅពីក្រោយចន្លោះទាំងនេះ"),
    "dash_rule_windows": ("{count} windows", "ចន្លោះ {count}"),
    "dash_rules_docs": (
        "Each rule is described in docs/methods.md.",
        "ច្បាប់នីមួយៗត្រូវបានពិពណ៌នានៅក្នុង docs/methods.md។",
    ),
    "dash_timeline_label": ("{key}: timeline", "{key}៖ ពេលវេលា"),
    "dash_bar_gap": ("no data, {dates}", "គ្មានទិន្នន័យ, {dates}"),
    "dash_bar_dates": ("{start} to {end}", "ពី {start} ដល់ {end}"),
    "dash_bar": (
        "{what}, {dates}: {windows} windows, {measurements} measurements",
        "{what}, {dates}៖ ចន្លោះ {windows}, លទ្ធផល {measurements}",
    ),
    "dash_bar_open": (
        "{label}: {title}; the window is still open and may change",
        "{label}៖ {title}; ចន្លោះនៅបើក ហើយអាចផ្លាស់ប្ដូរ",
    ),
    "dash_mark": ("{kind}, first seen here: {when}", "{kind}, ឃើញដំបូងនៅទីនេះ៖ {when}"),
    "dash_cite_subject": (
        "Permalink: {link} · data from {first} to {last} UTC · JSON: {json}",
        "តំណភ្ជាប់អចិន្ត្រៃយ៍៖ {link} · ទិន្នន័យពី {first} ដល់ {last} UTC · JSON៖ {json}",
    ),
    # a measurement's page
    "dash_m_title": ("Measurement {uid}", "លទ្ធផល {uid}"),
    "dash_m_crumb": ("measurement", "លទ្ធផល"),
    "dash_m_h1": ("Measurement", "លទ្ធផល"),
    "dash_m_lede": ("{url} measured on {network} at {at} UTC.", "{url} ត្រូវបានវាស់លើ {network} នៅ {at} UTC។"),
    "dash_m_network_evidence": ("Network evidence: {evidence}", "ភស្តុតាងបណ្ដាញ៖ {evidence}"),
    "dash_m_verdict": ("Verdict", "សេចក្ដីសម្រេច"),
    "dash_m_rule": ("Rule", "ច្បាប់"),
    "dash_m_probe_rules": ("probe rules {version}", "ច្បាប់ probe {version}"),
    "dash_m_explanation": ("Explanation (as the probe signed it)", "ការពន្យល់ (ដូចដែល probe បានចុះហត្ថលេខា)"),
    "dash_m_h_chain": ("Evidence chain", "ខ្សែសង្វាក់ភស្តុតាង"),
    "dash_m_payload_hash": ("Payload SHA-256", "SHA-256 នៃទិន្នន័យ"),
    "dash_m_key": ("Probe key id", "លេខសម្គាល់កូនសោ probe"),
    "dash_m_tier": ("{tier} probe", "probe ប្រភេទ {tier}"),
    "dash_m_received": ("Received", "បានទទួល"),
    "dash_m_by": ("by {collector}", "ដោយ {collector}"),
    "dash_m_statement": ("Log statement", "សេចក្ដីថ្លែងក្នុងកំណត់ហេតុ"),
    "dash_m_in_log": ("In the log", "ក្នុងកំណត់ហេតុ"),
    "dash_m_leaf": (
        "leaf {leaf} of a tree of {size} entries",
        "ស្លឹកទី {leaf} នៃដើមឈើដែលមាន {size} ធាតុ",
    ),
    "dash_m_proof": ("Inclusion proof", "ភស្តុតាងនៃការដាក់បញ្ចូល"),
    "dash_m_checkpoint": ("Checkpoint", "ចំណុចត្រួតពិនិត្យ"),
    "dash_m_not_yet": (
        "not yet in a signed checkpoint: the receipt promises it within {seconds} s.",
        "មិនទាន់នៅក្នុងចំណុចត្រួតពិនិត្យដែលបានចុះហត្ថលេខានៅឡើយ៖ បង្កាន់ដៃសន្យាថាវានឹងមានក្នុងរយៈពេល {seconds} វិនាទី។",
    ),
    "dash_m_log_key": ("Log key", "កូនសោកំណត់ហេតុ"),
    "dash_m_record": ("Evidence record (JSON)", "កំណត់ត្រាភស្តុតាង (JSON)"),
    "dash_m_envelope_bytes": ("Signed envelope, exact bytes", "ស្រោមសំបុត្រដែលបានចុះហត្ថលេខា បៃពិតប្រាកដ"),
    "dash_m_payload_bytes": ("Signed payload, exact bytes", "ទិន្នន័យដែលបានចុះហត្ថលេខា បៃពិតប្រាកដ"),
    "dash_m_h_verify": ("How to verify", "របៀបផ្ទៀងផ្ទាត់"),
    "dash_m_verify_tool": (
        "With Saksi's own tool, offline (it checks the signature, the receipt, the inclusion proof and the "
        "checkpoint signature):",
        "ដោយប្រើឧបករណ៍របស់ Saksi ផ្ទាល់ ដោយគ្មានអ៊ីនធឺណិត (វាពិនិត្យហត្ថលេខា បង្កាន់ដៃ ភស្តុតាងនៃការដាក់បញ្ចូល "
        "និងហត្ថលេខានៃចំណុចត្រួតពិនិត្យ)៖",
    ),
    "dash_m_verify_bash": (
        "Without our code, with bash, jq and openssl 3 (the recipe of docs/evidence.md, with this measurement's "
        "values):",
        "ដោយគ្មានកូដរបស់យើង ដោយប្រើ bash, jq និង openssl 3 (រូបមន្តនៃ docs/evidence.md ជាមួយតម្លៃនៃលទ្ធផលនេះ)៖",
    ),
    "dash_m_verify_note": (
        "Each openssl pkeyutl line prints Signature Verified Successfully. Compare the log key with the one the "
        "collector publishes at {link} and with what the project publishes elsewhere.",
        "បន្ទាត់ openssl pkeyutl នីមួយៗបោះពុម្ព Signature Verified Successfully។ សូមប្រៀបធៀបកូនសោកំណត់ហេតុ "
        "ជាមួយកូនសោដែលម៉ាស៊ីនប្រមូលផ្សព្វផ្សាយនៅ {link} និងជាមួយអ្វីដែលគម្រោងផ្សព្វផ្សាយនៅកន្លែងផ្សេង។",
    ),
    "dash_m_h_payload": ("Signed payload (decoded)", "ទិន្នន័យដែលបានចុះហត្ថលេខា (បានឌិកូដ)"),
    "dash_m_h_envelope": ("Envelope (as stored)", "ស្រោមសំបុត្រ (ដូចដែលបានរក្សាទុក)"),
    "dash_m_h_receipt": ("Receipt (decoded)", "បង្កាន់ដៃ (បានឌិកូដ)"),
    "dash_m_cite": (
        "Permalink: {link} · also by payload hash: {hash}",
        "តំណភ្ជាប់អចិន្ត្រៃយ៍៖ {link} · ក៏តាម hash នៃទិន្នន័យផងដែរ៖ {hash}",
    ),
}
