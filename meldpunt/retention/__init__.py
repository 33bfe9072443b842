"""Retention (bewaartermijnen), legal hold and the rights of data subjects (AVG); see docs/privacy.md."""
