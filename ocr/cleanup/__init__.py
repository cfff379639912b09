"""Owner of OpenCV: page cleanup before OCR and the page-level decisions, one module per concern.

- `tone`: colour to grey (stamps faded, pens kept), lighting flattened;
- `survey`: the page's ink at a small size, for the decisions (blank, sideways, skew, upside down);
- `geometry`: quarter turns and deskew;
- `separator`: the separator sheets between petitions of a batch scan (a QR code of our own);
- `sheet`: a photographed sheet found on the desk and its perspective undone;
- `bed`: the scanner bed and lid around the sheet;
- `ink`: what recognition reads, with what is not writing taken out (streaks, rules, stains, watermarks, specks);
- `lines`: text lines found among the marks, for orientation and for keeping only writing.

Nothing outside this package imports cv2 for page work (`ocr.tesseract` uses it only to write the TIFF it hands over,
`ocr.rasterize` to decode a plain PNG or JPEG).
"""

import ctypes
import ctypes.util

import cv2
import numpy as np

# Pages are cleaned in parallel on every core; OpenCV's own threads would only compete with them.
cv2.setNumThreads(1)


def _heap_for_pages() -> None:
    """Full-size page arrays (10-40 MB, dozens a page) from the heap, and kept there once freed.

    glibc maps each array this large afresh and unmaps it when freed, so every one costs the kernel its page
    faults again: ~8% of the cleanup's CPU on petitions_dev (326 -> 298 ms a page). Mapped only above 32 MB
    (glibc's largest setting), and the heap given back to the system only once 64 MB lie free at its top. Other
    C libraries have no mallopt: nothing changes there.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_heap_for_pages()


def _no_huge_pages() -> None:
    """numpy's large arrays in ordinary pages, not the huge pages it asks the kernel for (madvise).

    Where the kernel compacts memory to find a huge page for whoever asks (defrag "madvise", Debian's default),
    every page array's first touch paid for it: 0.9 s of system time over petitions_dev's 34 pages, 0.4 s
    without (the pixels and the text are the same). What NUMPY_MADVISE_HUGEPAGE=0 does, but after numpy's import.
    """
    try:
        np._core.multiarray._set_madvise_hugepage(False)
    except AttributeError:  # a numpy without the switch: it keeps its own way
        pass


_no_huge_pages()
