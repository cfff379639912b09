"""A text's fingerprint for finding the same petition received twice with different bytes (scanned twice, a photo
and a scan, by mail and at a jornada): the set of its character 5-grams, compared by Jaccard similarity, and
MinHash LSH band keys of that set that a database index can probe.

Why this and not a 64-bit SimHash (bench/duplicates.py measures both on the seed letters): character 5-grams over
the words joined by one space keep an OCR slip local (a wrong letter changes 5 shingles of hundreds) and make line
wrapping and hyphenation vanish; their exact Jaccard leaves a wide gap between a letter with 5 % simulated OCR
noise and its clean text (lowest 0.46) and two different letters (highest 0.25 of 72,000 pairs), where SimHash
distances overlap (noise p95 15-18 bits, different letters from 11) and would need more bands than an index can
use well. Bands only find candidates; the decision is the exact Jaccard of the two texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from classifiers.features import normalise

SHINGLE = 5  # characters
MIN_WORDS = 25  # fewer words (a greeting, a near-empty page) are too little text to tell letters apart
THRESHOLD = 0.4  # Jaccard of the shingle sets at or above which two texts are "near-identical"
BANDS, ROWS = 16, 3  # a pair at Jaccard 0.46 shares a band 80 % of the time, at 0.6 97 %, at 0.1 2 %
_WORD = re.compile(r"[a-z0-9]+")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n\s*(\w)")  # "solici-\ntud" is one word
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_SEEDS = np.random.default_rng(20260).integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64)  # fixed: keys are stored


@dataclass(frozen=True)
class Fingerprint:
    shingles: np.ndarray  # sorted unique 64-bit hashes of the character 5-grams

    @cached_property
    def keys(self) -> tuple[int, ...]:
        """The LSH band keys (48 MinHash passes: worth computing once per fingerprint)."""
        return band_keys(self.shingles)


def words(text: str) -> list[str]:
    """The text's words, lower case without accents (ñ is n), line breaks and end-of-line hyphens undone."""
    return _WORD.findall(normalise(_HYPHEN_BREAK.sub(r"\1\2", text or "")))


def fingerprint(text: str) -> Fingerprint | None:
    """The text's fingerprint, or None when it is too short to compare."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    return Fingerprint(shingle_hashes(" ".join(tokens)))


def shingle_hashes(joined: str, size: int = SHINGLE) -> np.ndarray:
    """Sorted unique hashes of every `size` characters of an ASCII string (vectorised: no Python loop per shingle)."""
    codes = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8).astype(np.uint64)
    if len(codes) < size:
        return np.zeros(0, dtype=np.uint64)
    windows = np.zeros(len(codes) - size + 1, dtype=np.uint64)
    for offset in range(size):
        windows |= codes[offset:len(codes) - size + 1 + offset] << np.uint64(8 * offset)
    return np.unique(_mix(windows))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard similarity of the two shingle sets (1.0: the same text, up to wrapping, case and accents)."""
    shared = len(np.intersect1d(a.shingles, b.shingles, assume_unique=True))
    return shared / (len(a.shingles) + len(b.shingles) - shared)


def band_keys(shingles: np.ndarray) -> tuple[int, ...]:
    """BANDS keys, each the hash of ROWS MinHash values with its band's number, as signed 63-bit integers: two
    sets share a band's key with probability Jaccard ** ROWS."""
    with np.errstate(over="ignore"):
        minima = np.array([_mix(shingles ^ seed).min() for seed in _SEEDS], dtype=np.uint64).reshape(BANDS, ROWS)
        keys = []
        for band, row in enumerate(minima):
            value = np.uint64(band + 1)
            for m in row:
                value = _mix(np.array([value * np.uint64(0x100000001B3) ^ m], dtype=np.uint64))[0]
            keys.append(int(value >> np.uint64(1)))  # 63 bits: fits a signed BIGINT on every database
    return tuple(keys)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a well-spread 64-bit hash of each value."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK
