"""The sections of a real evaluation (issue 20, point 3): 编制依据 from the spec, the basis
of each price, 项目实施主体 and the regional context, 风险应对措施 from the scenario and the
stress cases, and 社会效益/绩效目标 only when the spec gives them."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import docx

from renewfin.report import ReportData, render_docx, render_report
from renewfin.report.build import sections_for
from renewfin.report.responses import category
from renewfin.spec import PerformanceTarget

from .conftest import built
from .figures import parse


def _section(html: str, key: str) -> str:
    m = re.search(
        rf'<section id="s-{key}" data-section="{key}"><h2>.*?</h2>(.*?)</section>', html, re.S
    )
    assert m is not None, key
    return m.group(1)


def _title(html: str, key: str) -> str:
    m = re.search(rf'<section id="s-{key}" data-section="{key}"><h2>(.*?)</h2>', html)
    assert m is not None, key
    return m.group(1)


def _with(data: ReportData, **project: Any) -> ReportData:
    """``data`` with label-only project fields changed (no number depends on them)."""
    p = data.spec.project.model_copy(update=project)
    return dataclasses.replace(data, spec=data.spec.model_copy(update={"project": p}))


def test_basis_opens_with_the_rules_the_spec_relies_on() -> None:
    """old_community has bonds and a loan, no fund and no REIT exit: the method, tax laws,
    capital rule, bond balance, 厅字〔2019〕33号 and LPR are named; 50号 and 1014号 are not."""
    _, rendered = built("old_community")
    basis = _section(rendered.html, "basis")
    assert "编制依据" in _title(rendered.html, "basis")
    assert basis.startswith("<h3>政策与规范依据</h3><ul>")
    rules = basis[: basis.index("</ul>")]
    for text in ("第三版", "增值税法", "国发〔2019〕26号", "自求平衡", "厅字〔2019〕33号", "LPR"):
        assert text in rules, text
    assert "财预〔2017〕50号" not in rules and "1014号" not in rules
    figs = parse(rules).figures
    vat = [f for f in figs if f.attrs.get("data-calc") == "vat_rate"]
    assert len(vat) == len(built("old_community")[0].spec.revenues)
    inputs = {f.attrs.get("data-input") for f in figs}
    assert inputs >= {"tax.income_tax_rate", "tax.surcharge_rate"}


def test_basis_names_the_reit_and_fund_rules_only_where_used() -> None:
    data, rendered = built("industrial_park_reit")
    rules = _section(rendered.html, "basis").split("</ul>", 1)[0]
    assert ("1014号" in rules) == (data.spec.funding.reit_exit is not None)
    assert ("财预〔2017〕50号" in rules) == (data.spec.funding.fund is not None)


def test_price_basis_column_only_when_the_spec_gives_one() -> None:
    data, rendered = built("old_community")
    assert "定价依据" not in rendered.html and "取费依据" not in rendered.html
    first = data.spec.revenues[0].model_copy(update={"price_basis": "参照周边停车场收费<调查>"})
    cost = data.spec.opex[0].model_copy(update={"cost_basis": "物业服务合同"})
    spec = data.spec.model_copy(
        update={"revenues": [first, *data.spec.revenues[1:]], "opex": [cost, *data.spec.opex[1:]]}
    )
    html = render_report(dataclasses.replace(data, spec=spec), "zh").html
    revenue = _section(html, "revenue")
    assert "<th>定价依据</th>" in revenue and "参照周边停车场收费&lt;调查&gt;" in revenue
    assert "<th>取费依据</th>" in revenue and "物业服务合同" in revenue


def test_overview_shows_the_implementing_entity_and_regional_context() -> None:
    data, rendered = built("urban_village")
    assert "项目实施主体" not in _section(rendered.html, "overview")
    html = render_report(
        _with(
            data,
            implementing_entity="某区城市更新投资有限公司",
            regional_context="2025年全市一般公共预算收入 312.5 亿元，政府债务率低于警戒线。",
        ),
        "zh",
    ).html
    ov = _section(html, "overview")
    assert "项目实施主体" in ov and "某区城市更新投资有限公司" in ov
    assert "<h3>地区经济、财政与债务情况</h3><p>2025年全市一般公共预算收入 312.5 亿元" in ov


def test_benefits_section_is_left_out_when_the_spec_gives_none() -> None:
    data, rendered = built("old_community")
    assert 'data-section="benefits"' not in rendered.html
    assert "社会效益" not in rendered.html and "绩效目标" not in rendered.html
    assert "benefits" not in [k for k, _ in sections_for(data.spec)]


def test_benefits_and_targets_as_the_spec_states_them_before_the_conclusion() -> None:
    data, _ = built("old_community")
    targets = [
        PerformanceTarget(indicator="新增停车泊位", target="≥ 420 个", category="产出指标"),
        PerformanceTarget(indicator="居民满意度", target="≥ 90%"),
    ]
    changed = _with(
        data,
        social_benefits=["缓解停车难<script>", "改善居住环境"],
        performance_targets=targets,
    )
    html = render_report(changed, "zh").html
    keys = re.findall(r'data-section="([a-z]+)"', html)
    assert keys.index("risk") < keys.index("benefits") < keys.index("conclusion")
    ben = _section(html, "benefits")
    assert "<li>缓解停车难&lt;script&gt;</li><li>改善居住环境</li>" in ben
    assert "<th>指标类别</th><th>绩效指标</th><th>指标值</th>" in ben
    assert "新增停车泊位" in ben and "≥ 420 个" in ben and "产出指标" in ben
    d = docx.Document(io.BytesIO(render_docx(changed, "zh")))
    heads = [p.text for p in d.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    n = keys.index("benefits") + 1
    assert f"{n} 社会效益与绩效目标" in heads
    assert any("缓解停车难<script>" in p.text for p in d.paragraphs)


def test_only_social_benefits_leave_out_the_targets_table() -> None:
    data, _ = built("old_community")
    ben = _section(render_report(_with(data, social_benefits=["增加就业"]), "zh").html, "benefits")
    assert "社会效益" in ben and "绩效目标" not in ben


def test_risk_responses_cover_each_kind_of_uncertain_input_and_each_stress_case() -> None:
    """One response per kind of input the scenario varies (named by those inputs), and one
    statement per stress case quoting the stress table's bond coverage against the floor."""
    for name in ("old_community", "industrial_park_reit"):
        data, rendered = built(name)
        assert data.scenario is not None and data.stress is not None
        risk = _section(rendered.html, "risk")
        block = risk[risk.index("<h3>风险应对措施</h3>") :]
        kinds = {category(i.path) for i in data.scenario.inputs}
        assert block.count("<li>") == len(kinds) + len(data.stress) - 1
        for inp in data.scenario.inputs:
            assert inp.name in block
        figs = [f for f in parse(block).figures if "data-stress" in f.attrs]
        assert [int(f.attrs["data-stress"]) for f in figs] == list(range(1, len(data.stress)))
        assert all(f.attrs["data-col"] == "bond_coverage" for f in figs)


def test_input_paths_map_to_their_kind_of_risk() -> None:
    assert category("risk.construction_delay_periods") == "delay"
    assert category("investment[征收补偿及搬迁费].amount") == "capex"
    assert category("revenues[停车位].unit_price") == "price"
    assert category("revenues[停车位].ramp_up") == "volume"
    assert category("opex[管理费用].amount") == "cost"
    assert category("funding.lpr.five_year") == "rate"
    assert category("funding.reit_exit.cap_rate") == "exit"
    assert category("evaluation.discount_rate") == "other"


def test_revenue_section_shows_each_tax_by_year() -> None:
    """Issue 17.11: the report shows every tax the model bears, each a row of the
    营业收入、税金及附加和增值税估算表 (its figures checked against the engine by
    test_figures.py): on industrial_park_reit the land-use tax, the stamp duties, the
    property tax, the VAT payable and the REIT exit's 土地增值税, surcharges and deed duty."""
    data, rendered = built("industrial_park_reit")
    revenue = _section(rendered.html, "revenue")
    assert "税金及附加、增值税及其他税费（按年）" in revenue
    table = revenue.split("税金及附加、增值税及其他税费（按年）", 1)[1]
    ledger = data.result.ledger
    for key in (
        "tax.taxes_and_surcharges",
        "tax.land_use",
        "tax.stamp_duty",
        "tax.property_rental",
        "tax.vat_payable",
        "tax.other",
        "tax.exit_lat",
        "tax.exit_surcharges",
        "tax.exit_stamp_duty",
        "tax.stamp_loan",
    ):
        assert key == "tax.other" or abs(ledger[key]).sum() > 0, key  # the model bears it
        assert f'data-key="{key}"' in table, key
    assert 'data-key="revenue.total"' not in table.split("</table>", 1)[0]


def test_cost_drivers_name_each_basis_and_the_field_that_sizes_it() -> None:
    """The cost-driver table reads each basis's label and sizing field from its one
    declaration (``renewfin.core.opex_basis.BASES``): on old_community (models/
    old_community.yaml) 按收入比例 with its share 85 %, 按业务量 with its price 0.55 元/年,
    按资产原值比例 0.6 % and 固定金额 120 万元."""
    _, rendered = built("old_community")
    revenue = _section(rendered.html, "revenue")
    drivers = revenue.split("成本测算依据", 1)[1].split("</table>", 1)[0]
    row = r'<tr><td class="label">(.*?)</td>(.*?)</tr>'
    rows = {m.group(1): m.group(2) for m in re.finditer(row, drivers)}
    assert "按收入比例" in rows["物业服务人员及公共能耗"]
    assert "85" in rows["物业服务人员及公共能耗"]
    assert "按业务量" in rows["充电购电成本"]
    assert "0.55" in rows["充电购电成本"] and "元/年" in rows["充电购电成本"]
    assert "按资产原值比例" in rows["日常维修养护"] and "0.6" in rows["日常维修养护"]
    assert "固定金额" in rows["管理费用"] and "120" in rows["管理费用"]


def test_a_loan_priced_below_lpr_prints_lpr_and_its_signed_spread() -> None:
    """Reference: models/urban_village.yaml, 国开行城中村改造专项借款 at 5年期以上LPR with
    spread −0.008: the rate reads "5年期以上LPR -0.80%" (−0.008 × 100 = −0.80 %), not
    "LPR + -0.80%"."""
    investment = _section(built("urban_village")[1].html, "investment")
    row = investment.split("国开行城中村改造专项借款", 1)[1].split("</tr>", 1)[0]
    text = re.sub(r"<[^>]+>", "", row)
    assert "5年期以上LPR -0.80%" in text, text
    assert "+ -" not in text


def test_an_english_quantity_of_units_is_plural() -> None:
    """Reference: models/old_community.yaml, 停车位 (quantity_unit 个): in English the
    quantity's unit is "units" (1,200 units), the price's "CNY/unit" (singular per unit)."""
    data, _ = built("old_community")
    html = render_report(data, "en").html
    basis = _section(html, "basis")
    assert ">units<" in basis and "/unit" in basis
    assert ">unit<" not in basis
