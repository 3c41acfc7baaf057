"""renewfin's own errors: a base class, and the error of a solve that did not converge.

``renewfin.spec.errors.SpecError`` (a bad spec, scenario or template) is a
``RenewfinError`` too, so that a caller can catch everything renewfin raises on purpose
with one ``except``.
"""

from __future__ import annotations

from collections.abc import Sequence


class RenewfinError(Exception):
    """Base class of the errors renewfin raises on purpose, with a readable message."""


class ConvergenceError(RenewfinError):
    """The funding solve (loan sizes, drawdown shares, IDC, fees, reserve) did not reach its
    tolerance, so no figure of the run can be trusted.

    Raised by ``renewfin.run`` unless it is called with ``allow_unconverged=True``; the
    message names the loan (or quantity) that did not settle, the residual, the iteration
    count and what to change in the spec.
    """

    def __init__(
        self,
        message: str,
        *,
        loan: str | None = None,
        residual: float = float("nan"),
        iterations: int = 0,
        scenarios: Sequence[int] = (),
    ) -> None:
        super().__init__(message)
        self.loan = loan
        """Name of the loan whose drawings or interest did not settle, if one did not."""
        self.residual = residual
        """Largest relative change in the last pass of the first failed scenario."""
        self.iterations = iterations
        """Passes of the period loop that scenario ran."""
        self.scenarios = list(scenarios)
        """Indices of the scenarios that did not converge."""
