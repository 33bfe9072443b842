"""Authentication: accounts, passwords, sessions, roles."""
