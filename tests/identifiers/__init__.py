"""Identifier validation: NHS numbers, UPNs, hub ids, agency codes and LA numbers."""
