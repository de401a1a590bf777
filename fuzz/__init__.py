"""Atheris fuzz targets, one module per parser of untrusted bytes.

Run one from the repository root:

    python -m fuzz.record_blob -max_total_time=60 var/fuzz/record_blob fuzz/corpus/record_blob

`make fuzz` runs them all for longer; `make test` runs each briefly (tests/fuzz).
docs/security.md says what each target checks.
"""
