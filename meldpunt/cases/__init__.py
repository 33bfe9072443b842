"""Casus: bundling signals into a case with a risk picture and proposed interventions."""
