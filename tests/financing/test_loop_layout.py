"""The compiled loop addresses its inputs and outputs by position
(renewfin.financing.waterfall; the tuples of names in renewfin.financing.loop_data): every
position constant must name the line at its position, so that a line added to a tuple in
the wrong place fails here, not silently."""

from __future__ import annotations

import pytest

from renewfin.financing import loop_data as data
from renewfin.financing import waterfall as wf


@pytest.mark.parametrize(
    ("names", "prefix"),
    [(data.LINES, ""), (data.LOAN_LINES, ""), (data.FUND_LINES, "F_"), (data.OPS, "I_")],
)
def test_position_constants_match_the_line_names(names: tuple[str, ...], prefix: str) -> None:
    for position, name in enumerate(names):
        constant = getattr(wf, prefix + name.upper(), None)
        if constant is None:  # fund lines without a prefix (contribution, claim)
            constant = getattr(wf, name.upper())
        assert constant == position, f"{prefix + name.upper()} = {constant}, expected {position}"


def test_step_codes_are_the_kernel_constants() -> None:
    for step, code in data.STEP_CODES.items():
        assert getattr(wf, step.name) == code
