"""Monitoring of known clusters: what is watched, a pass that raises alerts, their delivery."""
