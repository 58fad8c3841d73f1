"""Lawful bases for holding and sharing a record (DESIGN §6.3)."""

from enum import StrEnum


class LawfulBasis(StrEnum):
    CHILDREN_ACT_1989_S17 = "statute.children_act_1989.s17"
    CHILDREN_ACT_1989_S47 = "statute.children_act_1989.s47"
    CHILDREN_ACT_2004_S11 = "statute.children_act_2004.s11"
    DPA_2018_SCH1_PARA18 = "statute.dpa_2018.sch1_para18"
    CWS_ACT_2026_DUTY_TO_SHARE = "statute.cws_act_2026.s4"
    VICTIMS_AND_PRISONERS_ACT_2024 = "statute.victims_and_prisoners_act_2024"
    PUBLIC_TASK = "gdpr.art6_1_e.public_task"
    CONSENT = "consent"
