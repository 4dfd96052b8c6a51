"""Analysis: per-measurement facts, timelines per (domain, ASN, window), events, exports, charts,
dashboard pages, alerts and evidence bundles. Judgement lives in pure functions (`rules`, `timeline`)."""
