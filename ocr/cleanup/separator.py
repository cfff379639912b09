"""Separator sheets: the page a clerk puts between two petitions of one batch scan, so that the scan is split into
one document each. The sheet carries a QR code of the project's own (OpenCV writes and reads it); it is found on a
small copy of the page, before any cleanup, and the sheet itself is no page of any petition.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

PAYLOAD = "PETICIONES:SEPARADOR:1"
LOOK_SIDE = 1200  # px: the page's longest side where the code is looked for (a 10 cm code keeps ~15 px a module)
TITLE = "HOJA SEPARADORA"
INSTRUCTIONS = ("Esta hoja no es una petición. Al escanear varias peticiones juntas, ponga una de estas hojas entre "
                "cada petición y la siguiente: el sistema separa el escaneo en un documento por petición y deja "
                "fuera esta hoja. Puede usarse muchas veces; no la doble ni la raye sobre el código.")


def code(payload: str = PAYLOAD, module_px: int = 20) -> np.ndarray:
    """The QR code of `payload`, black on white with its quiet zone, `module_px` pixels a module."""
    small = cv2.QRCodeEncoder.create().encode(payload)
    return cv2.resize(small, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


def sheet_pdf(font: Path) -> bytes:
    """The separator sheet to print: its title, the code, and what it is for (Spanish)."""
    from ocr import searchable

    return searchable.typed_pages(TITLE, INSTRUCTIONS, font, picture=code())


def is_sheet_text(text: str) -> bool:
    """Whether a page's own text layer is the sheet's (the sheet's PDF joined to a batch by software, not scanned)."""
    return TITLE in text and INSTRUCTIONS[:40] in " ".join(text.split())


def is_separator(gray: np.ndarray) -> bool:
    """Whether the page is a separator sheet (its code is found and says PAYLOAD), in any of the four ways up."""
    scale = min(1.0, LOOK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    try:
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(small)
    except cv2.error:  # the detector gives up on some degenerate shapes rather than answering ""
        return False
    return text == PAYLOAD
