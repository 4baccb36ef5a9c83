"""Staff accounts, board memberships and roles."""
