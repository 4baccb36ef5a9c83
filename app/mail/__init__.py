"""Transactional e-mail outbox: messages are written in the same transaction as
the action that causes them, and delivered later by ``flask send-mail``."""
