"""Cross-cutting pieces of the hub: settings, telemetry and the ``hub`` command."""
