"""Tracker stores (configured in endpoints files)."""
