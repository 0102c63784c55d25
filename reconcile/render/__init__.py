"""Render layer: workbooks and XML written from computed values; knows no input
file. May import every layer below (core, read, check, compute)."""
