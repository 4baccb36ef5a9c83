"""Experiences (erfarenheter) of city services: surveys, dialogue notes, results and measures."""
