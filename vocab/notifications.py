"""Kinds of notification the hub raises to an agency (DESIGN §6.5, §8)."""

from enum import StrEnum


class NotificationKind(StrEnum):
    CP_IS_VIEW = "cp_is.view"  # a CP / looked-after flag was viewed in unscheduled care
    BREAK_GLASS_OWNER = "break_glass.owner"  # the owning agency: its records were reached
    BREAK_GLASS_DPO = "break_glass.dpo"  # the DPO: a break-glass access awaits review
    STATUTORY_SHARING = "statutory_sharing.owner"  # shared without consent, on a statute
