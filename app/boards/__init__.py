"""Boards (nämnder): the city's political bodies that hold consultations."""
