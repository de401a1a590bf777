"""Every seed and regression input passes its target in-process: fast, and readable when not."""

from __future__ import annotations

import importlib

import pytest

from tests.fuzz.test_fuzz_targets import CORPUS, TARGETS

SEEDS = [(target, path) for target in TARGETS for path in sorted((CORPUS / target).iterdir())]


@pytest.mark.parametrize(("target", "path"), SEEDS, ids=[f"{t}/{p.name}" for t, p in SEEDS])
def test_the_seed_passes_its_target(target, path):
    importlib.import_module(f"fuzz.{target}").one_input(path.read_bytes())


# Seeds built from tests/records/samples.py: a new sample need not fail this test.
FROM_SAMPLES = {"record_checks", "record_schemas"}


def test_the_seed_corpora_are_what_make_corpus_writes():
    from fuzz import make_corpus

    for target, generate in make_corpus.GENERATORS.items():
        written = generate()
        committed = {p.name: p.read_bytes() for p in (CORPUS / target).iterdir() if not p.name.startswith("regression-")}
        if target in FROM_SAMPLES:
            written, committed = set(written), set(committed)
        assert committed == written, f"fuzz/corpus/{target} is stale: run python -m fuzz.make_corpus"
