"""Bench-only Django pieces (not part of the app): the settings and URLs that add a plain,
unencrypted DRF endpoint next to the real API, for bench/records.py."""
