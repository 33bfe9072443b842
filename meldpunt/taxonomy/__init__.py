"""Taxonomy of DOMAIN.md, editable by the functioneel beheerder."""
