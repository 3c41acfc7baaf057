"""CSV output that a spreadsheet cannot read as formulas (CSV injection).

Excel and LibreOffice evaluate a CSV cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, whatever follows). Every text cell, header and
index label written by renewfin is therefore prefixed with an apostrophe when it starts
with one of those characters; numbers are written as numbers (a negative number is not
text and is not touched).
"""

from __future__ import annotations

from typing import IO, Any

import pandas as pd

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet read a CSV cell as a formula."""


def neutralise(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text starting like a formula."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, fh: IO[str], **kwargs: Any) -> None:
    """Write ``frame`` as CSV to ``fh`` (``DataFrame.to_csv`` keywords), with every text
    cell, column header and index label neutralised."""
    out = frame.rename(columns=neutralise, index=neutralise)
    text_columns = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c])]
    if text_columns:
        out = out.copy()
        for c in text_columns:
            out[c] = out[c].map(neutralise)
    label = kwargs.pop("index_label", None)
    out.to_csv(fh, index_label=neutralise(label) if label is not None else None, **kwargs)
