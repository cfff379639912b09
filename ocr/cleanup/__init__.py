"""Owner of OpenCV: page cleanup before OCR and the page-level decisions, one module per concern.

- `tone`: colour to grey (stamps faded, pens kept), lighting flattened;
- `survey`: the page's ink at a small size, for the decisions (blank, sideways, skew, upside down);
- `geometry`: quarter turns and deskew;
- `separator`: the separator sheets between petitions of a batch scan (a QR code of our own);
- `sheet`: a photographed sheet found on the desk and its perspective undone;
- `bed`: the scanner bed and lid around the sheet;
- `ink`: what recognition reads, with what is not writing taken out (streaks, rules, stains, watermarks, specks);
- `lines`: text lines found among the marks, for orientation and for keeping only writing.

Nothing outside this package imports cv2 for page work (`ocr.tesseract` uses it only to write the TIFF it hands over).
"""

import cv2

# Pages are cleaned in parallel on every core; OpenCV's own threads would only compete with them.
cv2.setNumThreads(1)
