"""Character error rate with one normalisation for every system and the ground truth."""

from __future__ import annotations

import re
import unicodedata

try:
    from rapidfuzz.distance import Levenshtein

    def distance(a: str, b: str) -> int:
        return Levenshtein.distance(a, b)
except ImportError:  # pure Python fallback, slow but exact
    def distance(a: str, b: str) -> int:
        previous = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            current = [i]
            for j, cb in enumerate(b, 1):
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
            previous = current
        return previous[-1]


def normalise_truth(text: str) -> str:
    """FONDUE marks a hyphen at a line end with ¬: the word continues on the next line."""
    text = re.sub(r"¬[ \t]*\n[ \t]*", "", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def normalise_output(text: str) -> str:
    """OCR output: a line ending in '-' before a lowercase letter is a word split across lines."""
    text = re.sub(r"-[ \t]*\n\s*(?=[a-záéíóúüñ])", "", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def errors(output: str, truth: str) -> tuple[int, int]:
    """(edit distance, length of the ground truth), both normalised; CER is their ratio."""
    reference = normalise_truth(truth)
    return distance(normalise_output(output), reference), len(reference)
