"""The collector's dashboard: server-rendered pages (pages.py), their Jinja2 templates and CSS.

Served by probe.collector.dashboard_routes; the templates and static files ship as package data."""
