"""Excel: the model workbook and the fill-in input template (DESIGN.md §5)."""
