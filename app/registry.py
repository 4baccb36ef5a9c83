"""Imports every domain's models so that metadata is complete (Alembic, tests),
and every domain's ``hooks`` module, which plugs a higher domain into a lower
one's extension points (so the lower one never imports the higher).

The app factory, the CLI, the migrations and the tests import this module.
"""

import app.experiences.hooks  # noqa: F401
import app.feedback.hooks  # noqa: F401
import app.registrations.hooks  # noqa: F401
from app.accounts.models import AccessRequest, LoginThrottle, Membership, User  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.boards.models import Board  # noqa: F401
from app.consultations.models import AgendaItem, Consultation, Document  # noqa: F401
from app.experiences.models import (  # noqa: F401
    ExperienceAnswer,
    ExperienceRecord,
    Measure,
    QuestionOption,
    Service,
    Survey,
    SurveyQuestion,
)
from app.feedback.models import (  # noqa: F401
    Decision,
    FeedbackReport,
    FeedbackRevision,
    Theme,
    ThemeResponse,
)
from app.generations import ContentGeneration  # noqa: F401  (and the listeners that bump it)
from app.mail.models import OutboxMessage  # noqa: F401
from app.media.models import AudioReading  # noqa: F401
from app.minutes.models import CorrectionProposal, Evaluation, Minutes, MinutesRevision  # noqa: F401
from app.participation.audio import ViewpointRecording  # noqa: F401
from app.participation.models import Contact, Viewpoint, ViewpointTranslation  # noqa: F401
from app.registrations.models import Registration  # noqa: F401
from app.site.models import SiteText  # noqa: F401
from app.translations.models import GlossaryTerm, TranslationEntry, TranslatorLanguage  # noqa: F401
from app.wishes.models import Wish  # noqa: F401
