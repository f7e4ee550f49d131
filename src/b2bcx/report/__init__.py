"""The Excel workbook: the only part of b2bcx that touches openpyxl."""
