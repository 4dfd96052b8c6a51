"""The collector's dashboard: server-rendered pages: the overview matrix (overview.py), a
site's or network's page (subject.py), one measurement's page (records.py), how pages are rendered and in
which language (render.py), their Jinja2 templates and CSS.

Served by probe.collector.dashboard_routes; the templates and static files ship as package data."""
