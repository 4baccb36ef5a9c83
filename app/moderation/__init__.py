"""Moderation of participants' free text: hiding and masking, one implementation.

Views (``participation``), free-text survey answers (``experiences``) and
wishes (``wishes``) are moderated alike: the :class:`~app.moderation.models.Moderated`
mixin gives them the ``hidden_*`` columns and the masked text, the services in
:mod:`app.moderation.services` hide, show and mask them (audited), and
``templates/moderation/`` holds the one status partial and the hide and mask pages.
"""
