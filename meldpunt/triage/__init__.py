"""Triage and enrichment: the regisseur's queue, status machine, subjects and linked signals."""
