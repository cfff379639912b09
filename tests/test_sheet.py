"""A photographed sheet found on the desk and warped flat (ocr.cleanup.sheet), and scans left alone."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import sheet
from ocr.reader import STEPS, OcrOptions
from tests import damage
from tests.test_ocr_damage import OPTIONS, letter, read, similarity


def test_a_photo_in_strong_perspective_is_flattened_to_the_sheet_and_reads():
    shot = damage.photo(letter(), tilt=0.2, seed=5, desk=0.25)  # corners ~28 degrees off square
    page = read(shot)
    assert similarity(page.text) > 0.97
    # the sheet alone, upright: the desk round it cropped off (each side ~1.5 times the sheet's in the photo)
    assert page.height > page.width and page.width < 0.7 * shot.width and page.height < 0.7 * shot.height
    unflattened = read(shot, OcrOptions(OPTIONS.language, OPTIONS.timeout, steps=STEPS - {"sheet"}))
    assert similarity(unflattened.text) < 0.9  # what the step is for: the converging lines read badly


def test_the_outline_is_the_sheets_four_corners_under_uneven_light():
    height, width = 2400, 1800
    ground = np.linspace(60, 150, width, dtype=np.float32)[None, :].repeat(height, 0)  # a lamp on the right
    corners = np.float32([[300, 420], [1500, 300], [1620, 2150], [180, 2000]])
    image = ground.copy()
    cv2.fillPoly(image, [corners.astype(np.int32)], 0)
    paper = np.linspace(140, 235, width, dtype=np.float32)[None, :].repeat(height, 0)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [corners.astype(np.int32)], 1)
    image = np.where(mask > 0, paper, image)
    for row in range(600, 1200, 60):  # lines of writing
        cv2.rectangle(image, (450, row), (1350, row + 25), 20, thickness=-1)
    found = sheet.outline(image.astype(np.uint8))
    assert found is not None
    assert np.abs(found - corners).max() < 0.01 * height
    flat = sheet.flattened(image.astype(np.uint8))
    sides = [np.linalg.norm(corners[(i + 1) % 4] - corners[i]) for i in range(4)]  # top, right, bottom, left
    assert abs(flat.shape[1] - max(sides[0], sides[2])) < 30 and abs(flat.shape[0] - max(sides[1], sides[3])) < 30


def test_a_scan_and_a_cell_of_paper_between_streaks_are_left_as_they_are():
    scan = np.asarray(letter().convert("L"))
    assert sheet.flattened(scan) is scan
    bed = np.asarray(damage.scanner_bed(letter(), seed=1).convert("L"))
    assert sheet.flattened(bed) is bed  # a square sheet on the bed: deskew's and the bed step's business
    grid = damage.drum_streaks(damage.drum_streaks(letter(), bands=4, density=0.6, seed=2), direction="horizontal",
                               bands=4, density=0.6, seed=3)
    streaked = np.asarray(grid.convert("L"))
    assert sheet.flattened(streaked) is streaked


def camera_corners(aspect: float, tilt: tuple[float, float], focal: float, size: tuple[int, int]) -> np.ndarray:
    """Where a phone with `focal` (px) sees the corners of a sheet `aspect` wide for 1 high, turned by `tilt`
    (degrees about the horizontal and the vertical axis), filling about half the photo of `size` (w, h)."""
    ax, ay = np.radians(tilt)
    turn_x = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    turn_y = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    sheet = np.array([[-aspect / 2, -0.5, 0], [aspect / 2, -0.5, 0], [aspect / 2, 0.5, 0], [-aspect / 2, 0.5, 0]])
    seen = sheet @ (turn_y @ turn_x).T + [0, 0, 1.6]
    return np.float32(seen[:, :2] / seen[:, 2:] * focal + np.array(size) / 2)


def test_the_flattened_sheet_keeps_the_papers_proportions_however_the_phone_leaned():
    size, aspect = (1500, 2000), 210 / 297  # an A4 sheet
    corners = camera_corners(aspect, (28, 12), focal=0.9 * max(size), size=size)
    assert abs(sheet._aspect(corners, size[::-1]) - aspect) < 0.01
    flat_page = np.full((1188, 840), 235, np.uint8)
    for row in range(150, 900, 50):
        cv2.rectangle(flat_page, (100, row), (740, row + 18), 30, thickness=-1)
    source = np.float32([[0, 0], [839, 0], [839, 1187], [0, 1187]])
    photo = cv2.warpPerspective(flat_page, cv2.getPerspectiveTransform(source, corners), size,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=70)
    flat = sheet.flattened(photo)
    assert flat is not photo and abs(flat.shape[1] / flat.shape[0] - aspect) < 0.02
    # the longer sides alone would have told it wrong (the near side is the longer)
    top, bottom = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])
    left, right = np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    assert abs(max(top, bottom) / max(left, right) - aspect) > 0.1
