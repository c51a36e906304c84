"""Shared test references."""
import numpy as np


def requant_ref(acc, bias, mult, shift):
    """int8 requantization of int32 accumulators, independently of npusim: (acc + bias) * mult,
    rounded half up by `shift` bits, clamped to int8 (per output channel)."""
    v = (acc.astype(np.int64) + bias.astype(np.int64)) * mult.astype(np.int64)
    v = (v + (np.int64(1) << (shift.astype(np.int64) - 1))) >> shift.astype(np.int64)
    return np.clip(v, -128, 127).astype(np.int8)
