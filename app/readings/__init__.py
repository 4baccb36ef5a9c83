"""Audio readings of public texts: a consultation's invitation, its published feedback
summary and each experience-survey question, per language (Romani first)."""
