"""Weerbaarheid: register of vulnerable processes and functions, improvement measures, knowledge pages."""
