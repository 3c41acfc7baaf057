"""Portfolio-scale Monte Carlo: many projects, shared risk factors, in-process or on Dask."""

from renewfin.portfolio.run import PortfolioResult, simulate_portfolio
from renewfin.portfolio.spec import PortfolioSpec, load_portfolio

__all__ = ["PortfolioResult", "PortfolioSpec", "load_portfolio", "simulate_portfolio"]
