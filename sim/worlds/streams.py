"""Each world's random streams, built for all worlds at once, bit for bit numpy's own.

A world's war noise is the PCG64 stream of `SeedSequence(seed, spawn_key=(r,))` and its
parameter draws the words of `SeedSequence(seed, spawn_key=(r, 1))` (sim/worlds/noise.py,
sim/worlds/keys.py). Building one SeedSequence and one PCG64 object per world costs more than
the simulation of that world. The seeding is only a few multiplications of 32-bit words
(numpy's SeedSequence follows O'Neill's seed_seq_fe; PCG64 seeds itself from four of its
64-bit words), so this module does them for every world in one pass of array arithmetic,
then sets one reused PCG64's state per world. tests/test_streams.py holds every word and
draw to numpy's own objects.
"""

from __future__ import annotations

import numpy as np

INIT_A, MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
INIT_B, MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
MIX_L, MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
POOL = 4
PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG's default 128-bit multiplier
MASK128 = (1 << 128) - 1


def _words(n: int) -> list[int]:
    """A non-negative integer as 32-bit words, lowest first (0 is one word)."""
    out = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        out.append(n & 0xFFFFFFFF)
        n >>= 32
    return out


def _hashmix(value, const):
    value = value ^ const[0]
    const[0] = const[0] * MULT_A
    value = value * const[0]
    return value ^ (value >> np.uint32(16))


def _mix(x, y):
    result = MIX_L * x - MIX_R * y
    return result ^ (result >> np.uint32(16))


def pools(seed: int, keys: list[np.ndarray]) -> list[np.ndarray]:
    """The four pool words of SeedSequence(seed, spawn_key=(k1, k2, ...)) for every world:
    `keys` holds each spawn-key element as a (W,) array of integers below 2**32."""
    run = _words(seed)
    run += [0] * max(POOL - len(run), 0)  # numpy pads the entropy when there is a spawn key
    width = len(keys[0])
    entropy = [np.full(width, w, dtype=np.uint32) for w in run] + [np.asarray(k, dtype=np.uint32) for k in keys]
    with np.errstate(over="ignore"):
        const = [INIT_A]
        mixer = [_hashmix(entropy[i], const) for i in range(POOL)]
        for src in range(POOL):
            for dst in range(POOL):
                if src != dst:
                    mixer[dst] = _mix(mixer[dst], _hashmix(mixer[src], const))
        for src in range(POOL, len(entropy)):
            for dst in range(POOL):
                mixer[dst] = _mix(mixer[dst], _hashmix(entropy[src], const))
    return mixer


def state_words(pool: list[np.ndarray], n: int) -> np.ndarray:
    """(W, n) uint64: SeedSequence.generate_state(n, np.uint64) for every world."""
    out = np.empty((len(pool[0]), 2 * n), dtype=np.uint32)
    const = INIT_B
    with np.errstate(over="ignore"):
        for i in range(2 * n):
            value = pool[i % POOL] ^ const
            const = const * MULT_B
            value = value * const
            out[:, i] = value ^ (value >> np.uint32(16))
    low, high = out[:, 0::2].astype(np.uint64), out[:, 1::2].astype(np.uint64)
    return low | (high << np.uint64(32))


def pcg64_states(seed: int, replications: np.ndarray) -> list[tuple[int, int]]:
    """(state, inc) of PCG64(SeedSequence(seed, spawn_key=(r,))) for each replication r."""
    words = state_words(pools(seed, [replications]), 4).tolist()
    out = []
    for w0, w1, w2, w3 in words:  # pcg64_set_seed: state 0, inc = 2 i + 1, step, += seed, step
        inc = (((w2 << 64) | w3) << 1 | 1) & MASK128
        state = ((inc + ((w0 << 64) | w1)) * PCG_MULT + inc) & MASK128
        out.append((state, inc))
    return out


def fill_uniform(seed: int, replications: np.ndarray, out: np.ndarray) -> None:
    """Fill out[i] (float32) with the first draws of replication replications[i]'s stream,
    exactly as Generator(PCG64(SeedSequence(seed, spawn_key=(r,)))).random(out=out[i])."""
    bits = np.random.PCG64()
    generator = np.random.Generator(bits)
    for row, (state, inc) in enumerate(pcg64_states(seed, replications)):
        bits.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}
        generator.random(dtype=out.dtype, out=out[row])


def parameter_words(seed: int, replications: np.ndarray, n: int) -> np.ndarray:
    """(W, n) uint64: SeedSequence(seed, spawn_key=(r, 1)).generate_state(n, np.uint64)."""
    return state_words(pools(seed, [replications, np.ones(len(replications), dtype=np.uint32)]), n)
