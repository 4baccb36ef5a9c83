"""Participation: written and oral views (synpunkter) in Swedish and Romani, their
translations and moderation. Contact data lives apart from what people said."""
