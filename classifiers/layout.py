"""Where things sit in a letter's text: line boundaries, and the block naming the official it is addressed to."""

from __future__ import annotations

import re

TITLES = re.compile(r"\b(gobernador|gobernadora|secretari[oa]|subsecretari[oa]|director|directora|titular|"
                    r"coordinador|coordinadora|presidente|presidenta|delegad[oa]|sedesson|desarrollo social|"
                    r"jef[ea](?! de (familia|hogar))|encargad[oa]|gobierno|ayuntamiento|dependencia|direccion de)\b")


def addressee_end(folded: str) -> int:
    """Where the block naming the official the letter is addressed to ends (0 when there is none)."""
    head = folded[: max(800, len(folded) // 2)]
    presente = re.search(r"^[^\w\n]*p ?r ?e ?s ?e ?n ?t ?e\b", head, re.M)
    if presente:
        return line_end(folded, presente.end())
    end, offset = 0, 0
    for number, line in enumerate(folded.splitlines(keepends=True)[:10]):
        if len(line) < 90 and TITLES.search(line):      # block lines are short; a paragraph is not a block
            end = offset + len(line)
        elif end and number and re.match(r"\s*(c|lic|ing|dr|dra|mtro|mtra|profr|profra|arq)\.", line):
            end = offset + len(line)
        offset += len(line)
    return end


def line_end(text: str, pos: int) -> int:
    """Offset of the newline ending the line that holds `pos` (the text's length on the last line)."""
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def line_start(text: str, pos: int) -> int:
    """Offset of the first character of the line that holds `pos`."""
    return text.rfind("\n", 0, pos) + 1


def nth_line_offset(text: str, n: int) -> int:
    """Offset where line `n` (counted from 0) starts; the text's length when it has fewer lines."""
    pos = 0
    for _ in range(n):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos
