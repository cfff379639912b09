"""Files appearing in the scanner folder become stored, recorded documents. Knows nothing of OCR."""
