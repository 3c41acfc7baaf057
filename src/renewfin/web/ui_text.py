"""The page's own words in Chinese and English (the project's words come from the spec,
the metric registry and the checks)."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "TEXT", "Lang", "lang_of", "texts"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("城市更新投融资测算", "Urban-renewal financial model"),
    "app.docs": ("API 文档", "API docs"),
    "app.lang": ("English", "中文"),
    "app.offline": ("本机运行，数据不出本机", "Runs on this machine; data stays here"),
    "projects": ("项目", "Projects"),
    "projects.none": (
        "还没有项目：打开一个示例或上传文件。",
        "No projects yet: open an example or upload a file.",
    ),
    "projects.workspace": ("工作目录", "Workspace"),
    "projects.invalid": ("规格有问题", "invalid spec"),
    "projects.scenario": ("含情景文件", "has a scenario"),
    "example": ("打开示例", "Open an example"),
    "example.open": ("打开", "Open"),
    "upload": ("上传文件", "Upload"),
    "upload.spec": (
        "项目规格（YAML/JSON）或已填写的输入模板（.xlsx）",
        "Spec (YAML/JSON) or filled input template (.xlsx)",
    ),
    "upload.scenario": ("情景文件（可选）", "Scenario file (optional)"),
    "upload.name": ("项目名称（可选）", "Project name (optional)"),
    "upload.go": ("上传", "Upload"),
    "project.duplicate": ("复制", "Duplicate"),
    "project.rename": ("重命名", "Rename"),
    "project.delete": ("删除", "Delete"),
    "project.new_name": ("新名称", "New name"),
    "project.confirm_delete": (
        "确定删除项目“{name}”？文件将被删除，无法恢复。",
        "Delete project “{name}”? Its files are removed for good.",
    ),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
    "choose": (
        "请选择左侧的项目，或打开一个示例。",
        "Choose a project on the left, or open an example.",
    ),
    "tab.edit": ("编辑", "Edit"),
    "tab.run": ("运行结果", "Run"),
    "tab.risk": ("风险分析", "Risk"),
    "tab.solve": ("目标求解", "Solve"),
    "tab.download": ("下载", "Downloads"),
    "edit.save": ("保存", "Save"),
    "edit.save_run": ("保存并运行", "Save and run"),
    "edit.revert": ("放弃修改", "Discard changes"),
    "edit.saved": ("已保存", "Saved"),
    "edit.unsaved": ("有未保存的修改", "Unsaved changes"),
    "edit.valid": ("校验通过", "Valid"),
    "edit.checking": ("校验中…", "Checking…"),
    "edit.problems": (
        "{n} 个问题：修改后才能保存（文件保持原样）",
        "{n} problems: fix them to save (the file is unchanged)",
    ),
    "edit.invalid_file": (
        "磁盘上的文件有问题，修改后保存：",
        "The file on disk is invalid; fix and save:",
    ),
    "edit.add": ("添加", "Add"),
    "edit.remove": ("删除", "Remove"),
    "edit.enable": ("启用", "Enabled"),
    "edit.default": ("（默认）", "(default)"),
    "edit.yes": ("是", "yes"),
    "edit.no": ("否", "no"),
    "edit.list_hint": ("以逗号分隔", "comma-separated"),
    "run.go": ("运行", "Run"),
    "run.running": ("计算中…", "Running…"),
    "run.drawing": ("图表绘制中…", "Drawing the charts…"),
    "run.none": ("尚未运行。", "Not run yet."),
    "run.seconds": ("用时 {s} 秒", "{s} s"),
    "run.headline": ("主要指标", "Key figures"),
    "run.sections": ("全部指标", "All metrics"),
    "run.checks": ("检查", "Checks"),
    "run.integrity": ("模型完整性检查", "Integrity checks"),
    "run.covenant": ("考核与政策指标", "Covenant and policy tests"),
    "run.passed": ("通过", "passed"),
    "run.failed": ("未通过", "failed"),
    "run.floor": ("下限", "floor"),
    "run.sizing": ("贷款规模约束", "Loan sizing"),
    "run.binding": ("约束条件", "binding"),
    "run.notes": ("注意", "Notes"),
    "run.charts": ("图表", "Charts"),
    "run.tables": ("标准报表", "Standard tables"),
    "run.table": ("报表", "Table"),
    "run.unit": ("单位", "Unit"),
    "col.metric": ("指标", "Metric"),
    "col.value": ("数值", "Value"),
    "col.status": ("结论", "Status"),
    "col.item": ("项目", "Item"),
    "risk.scenario": ("情景文件", "Scenario file"),
    "risk.none": (
        "此项目没有情景文件：上传一个（YAML/JSON）。",
        "This project has no scenario file: upload one (YAML/JSON).",
    ),
    "risk.inputs": ("不确定输入", "uncertain inputs"),
    "risk.replace": ("更换情景文件", "Replace the scenario file"),
    "risk.n": ("模拟次数", "Scenarios"),
    "risk.seed": ("随机种子", "Seed"),
    "risk.go": ("开始蒙特卡洛模拟", "Run the Monte Carlo"),
    "risk.cancel": ("取消", "Cancel"),
    "risk.cancelled": ("已取消", "Cancelled"),
    "risk.queued": ("排队中…", "Queued…"),
    "risk.finishing": ("模拟完成，正在汇总与绘图…", "Simulated; summarising and drawing…"),
    "risk.done": ("完成：{n} 个情景，用时 {s} 秒", "Done: {n} scenarios in {s} s"),
    "risk.percentiles": ("分位数", "Percentiles"),
    "risk.breaches": ("违约概率", "Breach probabilities"),
    "risk.threshold": ("阈值", "Threshold"),
    "risk.p": ("概率", "Probability"),
    "risk.se": ("标准误", "Std. error"),
    "risk.stress": ("压力测试", "Stress cases"),
    "risk.sensitivity": ("敏感性分析与临界点", "Sensitivity and switching values"),
    "risk.sens_go": ("开始敏感性分析", "Run the sensitivity analysis"),
    "risk.evaluation": ("敏感性分析表", "Sensitivity table"),
    "risk.factor": ("因素", "Factor"),
    "risk.change": ("变化", "Change"),
    "risk.saf": ("敏感度系数", "SAF"),
    "risk.switching": ("临界点", "Switching values"),
    "risk.switch_at": ("临界变化", "Change at the threshold"),
    "switch.found": ("已找到", "found"),
    "switch.breached at base": ("基准方案已越过阈值", "breached at base"),
    "switch.not reached within the search range": (
        "搜索范围内未越过",
        "not reached within the search range",
    ),
    "solve.vary": ("求解的输入", "Input to solve for"),
    "solve.targets": ("目标（约束）", "Targets"),
    "solve.target_hint": (
        "如 bond_coverage>=1.2、equity_irr>=6%、P(bond_coverage>=1.1)>=90%",
        "e.g. bond_coverage>=1.2, equity_irr>=6%, P(bond_coverage>=1.1)>=90%",
    ),
    "solve.lo": ("下限", "From"),
    "solve.hi": ("上限", "To"),
    "solve.goal": ("求", "Goal"),
    "solve.max": ("满足目标的最大值", "largest value meeting the targets"),
    "solve.min": ("满足目标的最小值", "smallest value meeting the targets"),
    "solve.root": ("使等式成立的值", "value where the equality holds"),
    "solve.tol": ("精度", "Tolerance"),
    "solve.go": ("求解", "Solve"),
    "solve.result": ("结果", "Result"),
    "solve.binding": ("起约束作用的目标", "Binding target"),
    "solve.status": ("状态", "Status"),
    "solve.margin": ("余量", "Margin"),
    "solve.holds": ("满足", "holds"),
    "download.workbook": ("模型工作簿（Excel，含公式）", "Model workbook (Excel, live formulas)"),
    "download.report": ("财务评价报告", "Evaluation report"),
    "download.report_risk": ("报告含蒙特卡洛风险分析", "Report with the Monte Carlo risk analysis"),
    "download.metrics": ("指标（JSON）", "Metrics (JSON)"),
    "download.spec": (
        "项目规格（YAML，可直接用于命令行）",
        "Spec (YAML, runs on the command line)",
    ),
    "download.hint": (
        "文件在本机生成；工作簿和报告需要几秒钟。",
        "Files are made on this machine; the workbook and the report take a few seconds.",
    ),
    "download.cli": ("命令行", "Command line"),
    "error": ("错误", "Error"),
    "error.network": ("无法连接服务器", "Cannot reach the server"),
}
"""Key → (Chinese, English)."""


def lang_of(value: str | None) -> Lang:
    """``en`` when asked for, else Chinese."""
    return "en" if value == "en" else "zh"


def texts(lang: Lang) -> dict[str, str]:
    """Every text in ``lang``."""
    i = LANGS.index(lang)
    return {k: v[i] for k, v in TEXT.items()}
