"""Feedback to reporters (terugkoppeling): notices written to a transactional outbox."""
