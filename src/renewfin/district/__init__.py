"""Districts (片区统筹): several projects run as one project company, so that profitable
parts carry unprofitable ones (肥瘦搭配, ``DOMAIN.md`` §1).

``load_district(path)`` reads a ``DistrictSpec``; ``combined_spec(district)`` merges it into
one ``ProjectSpec``; ``run_district(district)`` runs the combined company, each member alone
and each member with its share of the district funding, and reports what each member
contributes (``DistrictResult.contributions()``).
"""

from __future__ import annotations

from renewfin.district.combine import (
    Combination,
    allocated_spec,
    combine,
    combined_spec,
    member_capex,
    member_shares,
)
from renewfin.district.result import HEADLINE, DistrictResult, run_district
from renewfin.district.spec import (
    SEP,
    DistrictInfo,
    DistrictMember,
    DistrictSpec,
    DistrictTimeline,
    district_from_data,
    district_schema,
    load_district,
    prefixed,
)

__all__ = [
    "HEADLINE",
    "SEP",
    "Combination",
    "DistrictInfo",
    "DistrictMember",
    "DistrictResult",
    "DistrictSpec",
    "DistrictTimeline",
    "allocated_spec",
    "combine",
    "combined_spec",
    "district_from_data",
    "district_schema",
    "load_district",
    "member_capex",
    "member_shares",
    "prefixed",
    "run_district",
]
