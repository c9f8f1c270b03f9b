"""The codec registry: one spec per codec, levels by name, the generated dispatch current."""

import re

import numpy as np
import pytest

from phyngsc.codecs import registry
from phyngsc.codecs.spec import STREAMS


def test_ids_and_names_are_unique_and_never_reused():
    ids = [c.id for c in registry.CODECS]
    names = [c.name for c in registry.CODECS]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    # ids written by earlier versions keep their meaning
    assert {i: registry.BY_ID[i].name for i in range(14)} == {
        0: "stored", 1: "rc-o1", 2: "dna2", 3: "qual-o2", 4: "title-col", 5: "dna-cm",
        6: "qual-cm", 7: "title-tok", 8: "rans-bytes", 9: "qual-rans", 10: "dna-k8",
        11: "qual-sorted", 12: "title-rans", 13: "dna-seeded"}
    assert registry.BY_ID[14].name == "qual-shared"


def test_every_codec_module_states_what_it_is():
    for c in registry.CODECS:
        assert c.summary and re.fullmatch(r"1\.\d+", c.since)
        assert c.encode.__module__ == c.decode.__module__ == f"phyngsc.codecs.defs.{c.name.replace('-', '_')}"
        assert c.worst_case(1000) >= 1000 if c.name == "stored" else c.worst_case(1000) > 0


@pytest.mark.parametrize("level", sorted(registry.LEVELS))
def test_levels_name_known_codecs_for_streams_they_carry(level):
    table = registry.LEVELS[level]
    assert set(table) == set(STREAMS)
    for stream, cands in table.items():
        assert 1 <= len(cands) <= registry.MAX_CANDIDATES
        for name, _param in cands:
            assert registry.BY_NAME[name].carries(stream), (level, stream, name)
    codecs, params = registry.level_codecs(level)
    assert codecs.shape == params.shape == (len(STREAMS), registry.MAX_CANDIDATES)
    assert set(codecs[codecs >= 0].tolist()) <= registry.KNOWN_CODECS


def test_candidate_columns_are_the_widest_list(monkeypatch):
    """MAX_CANDIDATES follows the tables: some stream fills every column, and a level
    that gains a candidate widens the arrays without another edit."""
    roles = {level: [registry.ROLE_PLAIN] + ([registry.ROLE_SEED, registry.ROLE_SEEDED]
                                             if level in registry.SEEDS else [])
             for level in registry.LEVELS}
    widest = max(int((registry.level_codecs(level, role)[0] >= 0).sum(axis=1).max())
                 for level in registry.LEVELS for role in roles[level])
    assert widest == registry.MAX_CANDIDATES
    wider = dict(registry.LEVELS)
    wider[5] = dict(wider[5], qual=wider[5]["qual"] + (("qual-rans", 2),))
    monkeypatch.setattr(registry, "LEVELS", wider)
    assert registry._widest() == registry.MAX_CANDIDATES + 1


def test_generated_dispatch_is_current():
    assert registry.DISPATCH_PATH.read_text() == registry.dispatch_source(), \
        "run: python -m phyngsc.codecs.registry"


def test_dispatch_reaches_every_codec():
    src = np.frombuffer(b"ACGT" * 50, np.uint8)
    aux = np.array([200], np.int64)
    from phyngsc.codecs.dna_k8 import dna_k8_train
    from phyngsc.codecs.models import Models, kernel_models
    from phyngsc.codecs.qual_model import train
    model = kernel_models(Models(dna_k8_train(src, aux, 4, True, 3), train(src, aux).pack()))
    for c in registry.CODECS:
        out = np.zeros(c.worst_case(src.size) + 64, np.uint8)
        param = {"dna-cm": 4 | 4 << 16, "dna-k8": 4 | 3 << 16,
                 "dna-seeded": 4 | 1 << 8 | 3 << 16}.get(c.name, 0)
        n = registry.encode_stream_with(c.id, param, src, aux, out, model)
        assert n >= 0, c.name
        back = np.zeros(src.size, np.uint8)
        assert registry.decode_stream_with(c.id, out[:n], aux, back, model) == 0
        assert (back == src).all()
        if not c.uses_model and not c.uses_quality_model:   # models are for their codecs only
            assert registry.encode_stream(c.id, param, src, aux, out) == n
        else:   # which refuse to code or decode without them
            assert registry.encode_stream(c.id, param, src, aux, out) == -1
            assert registry.decode_stream(c.id, out[:n], aux, back) == 1
