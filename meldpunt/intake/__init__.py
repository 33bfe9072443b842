"""Intake: the melding form, attachments, receipt codes and the reporter's own view."""
