"""Working capital (流动资金) by the itemised method (分项详细估算法) of《建设项目经济评价方法与
参数》(第三版): current assets (应收账款, 存货, 现金) less current liabilities (应付账款), each a
year's base ÷ its turnover (周转次数 = 360 ÷ 最低周转天数): the operating costs for the
receivables, the bought-in materials, fuel and power among them (``opex.purchased``) for
the inventory and the payables, the wages and other costs (``opex.wages_other``) for the
cash.

The balance of each period is estimated on that period's operating costs at an annual
rate; the increase is invested (流动资金, an outflow of the project and the equity cash
flows, a use of the operating cash), and the balance is recovered in the last period held
(回收流动资金). So over the life the recovery equals the sum invested.
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.ledger import Detail, Kind

DETAIL: Detail = ("wc.receivables", "wc.inventory", "wc.cash", "wc.payables")
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


ITEMS = (
    ("receivables", "receivable_days", "应收账款", "Receivables", "opex.total", 1.0),
    ("inventory", "inventory_days", "存货", "Inventory", "opex.purchased", 1.0),
    ("cash", "cash_days", "现金", "Cash for wages and other costs", "opex.wages_other", 1.0),
    ("payables", "payable_days", "应付账款", "Payables", "opex.purchased", -1.0),
)
"""(key, spec field, zh, en, ledger line of its base, sign in the working capital) of each
item (第三版): the receivables on the operating costs (应收账款 = 年经营成本 ÷ 周转次数), the
inventory on the bought-in materials and fuel (存货: 外购原材料、燃料; 在产品 and 产成品 not
modelled), the cash on the wages and other costs (现金 = (年工资及福利费 + 年其他费用) ÷
周转次数), the payables on the bought-in materials, fuel and power (应付账款 = 外购原材料、
燃料动力及其他材料年费用 ÷ 周转次数)."""


def balance(
    annual_base: np.ndarray, days: np.ndarray | float, before_end: np.ndarray
) -> np.ndarray:
    """One item's balance: ``annual_base`` × days ÷ 360 while ``before_end`` (0 in the last
    period held and after, when it is recovered).

    Parameters
    ----------
    annual_base : (S|1, T) array
        The year's base at each period's rate (the period's flow × periods per year)
        [money/yr].
    days : (S|1, 1) array or float
        Minimum turnover days [d].
    before_end : (1, T) array
        1 before the last period held, else 0.

    Returns
    -------
    (S|1, T) array [money]
    """
    return annual_base * (days / 360.0) * before_end


def changes(level: np.ndarray, last: int) -> tuple[np.ndarray, np.ndarray]:
    """The investment (流动资金: the increase of ``level`` over the period before, negative
    when it falls) and the recovery (回收流动资金: the balance before the last period
    ``last``, in it), both (S|1, T) [money]; ``level`` (S|1, T) is 0 from ``last`` on."""
    prior = np.concatenate([np.zeros_like(level[:, :1]), level[:, :-1]], axis=1)
    delta = level - prior
    at_end = (np.arange(level.shape[1]) == last)[None, :]
    return delta * ~at_end, -delta * at_end


def build(ctx: RunContext) -> None:
    """Record each item's balance, the working capital (``wc.level``), its investment
    (``wc.investment``) and its recovery (``wc.recovery``), (S|1, T) [money]."""
    led, tl = ctx.ledger, ctx.timeline
    wc = ctx.spec.working_capital
    last = tl.n_periods - 1 if ctx.exit_period is None else ctx.exit_period
    before_end = (tl.t < last).astype(float)
    level = np.zeros((1, tl.n_periods))
    for key, field, zh, en, base, sign in ITEMS:
        path = f"working_capital.{field}"
        item = led.add(
            f"wc.{key}",
            zh,
            en,
            balance(
                led.raw(base) * tl.ppy, ctx.inputs.scalar(path, getattr(wc, field)), before_end
            ),
            group="working_capital",
            kind=Kind.BALANCE,
        )
        level = level + sign * item
    led.add(
        "wc.level",
        "流动资金（余额）",
        "Working capital",
        level,
        group="working_capital",
        kind=Kind.BALANCE,
    )
    invested, recovered = changes(level, last)
    led.add(
        "wc.investment",
        "流动资金",
        "Working capital invested (its increase)",
        invested,
        group="working_capital",
    )
    led.add(
        "wc.recovery",
        "回收流动资金",
        "Working capital recovered",
        recovered,
        group="working_capital",
    )
