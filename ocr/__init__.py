"""Page work: rasterize, clean with OpenCV, recognise with Tesseract. Image arrays in, text out."""
