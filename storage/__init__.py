"""Database tables, the functions that read and write them, and their migrations."""
