"""Readers for binary document formats (.docx, .pdf), each turning a file into text."""
