"""Declared purposes of use (DESIGN §6)."""

from enum import StrEnum


class Purpose(StrEnum):
    SAFEGUARDING_MASH = "safeguarding.mash"
    SAFEGUARDING_S47 = "safeguarding.s47"
    SAFEGUARDING_ENCOMPASS = "safeguarding.encompass"
    EARLY_HELP = "early_help"
    DIRECT_CARE = "direct_care"
    EDUCATION_WELFARE = "education.welfare"
    AUDIT_DPO = "audit.dpo"
    INSPECTION = "inspection"
    STATISTICS = "statistics"
