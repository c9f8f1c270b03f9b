"""DNA_K8's shared model helpers (``codecs/k8_model.py``) against plain Python: the
branch-free symbol choice and interval, and learning, compiled and interpreted."""

from contextlib import nullcontext

import numpy as np
import pytest

from phyngsc.codecs import k8_model
from phyngsc.core.jit import interpreted


def ref_pick(f, code, rng):
    q = (rng & 0xFFFFFFFF) // sum(f)
    for s in range(3):
        if code < sum(f[:s + 1]) * q:
            return s, sum(f[:s]), f[s], q
    return 3, sum(f[:3]), f[3], q


def cases():
    rng = np.random.default_rng(5)
    rows = [[1, 1, 1, 1], [255, 1, 1, 1], [1, 1, 1, 255], [0, 3, 0, 2], [17, 0, 0, 0],
            [0, 0, 0, 9]] + rng.integers(0, 256, (40, 4)).tolist()
    for f in rows:
        if sum(f) == 0:
            continue
        for rng_ in (1 << 24, (1 << 32) - 1, 123456789):
            q = rng_ // sum(f)
            edges = {0, q * sum(f) - 1} | {q * sum(f[:s]) + d for s in range(1, 4)
                                           for d in (-1, 0, 1)}
            for code in sorted(e for e in edges if 0 <= e < q * sum(f)):
                yield f, code, rng_


@pytest.mark.parametrize("plain", [False, True])
def test_pick_and_interval_match_the_reference(plain):
    F = np.zeros(64, np.uint8)
    for f, code, rng in cases():
        F[20:24] = f
        with interpreted() if plain else nullcontext():
            got = k8_model.pick(F, np.uint64(20), np.int64(code), np.int64(rng))
            assert tuple(int(x) for x in got) == ref_pick(f, code, rng), (f, code, rng)
            for s in range(4):
                cum, freq, total = k8_model.interval(F, np.uint64(20), np.int64(s))
                assert (int(cum), int(freq), int(total)) == (sum(f[:s]), f[s], sum(f))


@pytest.mark.parametrize("kind", [np.int64, np.uint64])
def test_learn_adds_and_halves_whatever_the_index_type(kind):
    F = np.array([0, 0, 0, 0, 250, 7, 1, 3], np.uint8)
    k8_model.learn(F, kind(4), kind(1), 3)
    assert F.tolist() == [0, 0, 0, 0, 250, 10, 1, 3]
    k8_model.learn(F, kind(4), kind(0), 6)        # 256 would pass 255: halve first
    assert F.tolist() == [0, 0, 0, 0, 131, 5, 1, 2]

