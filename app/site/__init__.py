"""Site-wide texts that the city edits itself (the accessibility statement's authority-specific parts)."""
