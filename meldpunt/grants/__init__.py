"""Role grants: a content role takes effect only after a second person approves (vier ogen)."""
