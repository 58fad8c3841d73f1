"""The synthetic demo area: a Leicestershire-sized partnership with demo users (DESIGN §10)."""

from demo.area import build_demo_area, demo_exists, example_child, list_demo_users
from demo.summary import DemoSummary, DemoUser

__all__ = [
    "DemoSummary",
    "DemoUser",
    "build_demo_area",
    "demo_exists",
    "example_child",
    "list_demo_users",
]
