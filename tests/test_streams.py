"""sim/worlds/streams.py builds every world's streams at once: bit for bit numpy's own objects."""

from __future__ import annotations

import numpy as np
import pytest

from sim.worlds import streams
from sim.worlds.noise import draw
from sim.worlds.resolve import parameter_uniforms

SEEDS = [0, 1, 20220224, 2**32 - 1, 2**32, 2**40 + 5, 2**63 - 1]
REPLICATIONS = np.array([0, 1, 2, 17, 65_535, 123_456_789, 10**9])


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_words_and_pcg64_states_are_numpys(seed):
    for r, words, (state, inc) in zip(REPLICATIONS, streams.state_words(streams.pools(seed, [REPLICATIONS]), 4),
                                      streams.pcg64_states(seed, REPLICATIONS)):
        sequence = np.random.SeedSequence(seed, spawn_key=(int(r),))
        np.testing.assert_array_equal(words, sequence.generate_state(4, np.uint64))
        reference = np.random.PCG64(sequence).state["state"]
        assert (state, inc) == (reference["state"], reference["inc"])


@pytest.mark.parametrize("seed", SEEDS)
def test_parameter_words_are_numpys(seed):
    got = streams.parameter_words(seed, REPLICATIONS, 6)
    for r, row in zip(REPLICATIONS, got):
        np.testing.assert_array_equal(row, np.random.SeedSequence(seed, spawn_key=(int(r), 1)).generate_state(6, np.uint64))
    u = parameter_uniforms(seed, REPLICATIONS, 6)
    assert ((u >= 0) & (u < 1)).all()


def test_noise_is_each_replications_own_pcg64_stream():
    seed = 20220224
    noise = draw(seed, REPLICATIONS, days=30, n_belligerents=2, n_issues=3)
    for i, r in enumerate(REPLICATIONS):
        block = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(r),)))).random(
            (30, 2 + 2 + 3), dtype=np.float32)
        np.testing.assert_array_equal(noise.battle[i], block[:, 2])
        np.testing.assert_array_equal(noise.fighting[i], block[:, 3])
        np.testing.assert_array_equal(noise.breakdown[i], block[:, 4:])
