"""Prefect flows, thin over the tracers library."""
