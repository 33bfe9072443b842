"""Where a registered signal came from: channel, organisation, how the source wants feedback.

Who passed it on (the organisation's name, a contact person) and how to reach them are encrypted
under the signal's data key (``details_ct``); the codes stay plaintext for the queue and reports.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.database import Base, sql_in_list as _in, utcnow
from meldpunt.i18n import N_


class Organisation(enum.StrEnum):
    """Who passed the signal on (the kind of organisation; its name is in the encrypted details)."""

    NONE = "geen"  # came in directly (a phone call, a letter from an inwoner)
    POLICE = "politie"
    RIEC = "riec"
    TAX = "belastingdienst"
    OTHER_MUNICIPALITY = "andere_gemeente"
    MMA = "mma"
    ENFORCEMENT = "boa_toezicht"
    OTHER = "anders"


ORGANISATION_LABELS = {
    Organisation.NONE: N_("Niemand: rechtstreeks van de bron"),
    Organisation.POLICE: N_("Politie"),
    Organisation.RIEC: N_("RIEC"),
    Organisation.TAX: N_("Belastingdienst"),
    Organisation.OTHER_MUNICIPALITY: N_("Een andere gemeente"),
    Organisation.MMA: N_("Meld Misdaad Anoniem"),
    Organisation.ENFORCEMENT: N_("BOA of toezichthouder"),
    Organisation.OTHER: N_("Een andere organisatie"),
}


class SourceFeedback(enum.StrEnum):
    """Whether and how the source wants to hear back."""

    NONE = "geen"
    PHONE = "telefoon"
    EMAIL = "email"
    LETTER = "brief"
    PARTNER = "via_doorgever"


FEEDBACK_LABELS = {
    SourceFeedback.NONE: N_("Nee, de bron wil niets terughoren"),
    SourceFeedback.PHONE: N_("Ja, telefonisch"),
    SourceFeedback.EMAIL: N_("Ja, per e-mail"),
    SourceFeedback.LETTER: N_("Ja, per brief"),
    SourceFeedback.PARTNER: N_("Ja, via de organisatie die het doorgaf"),
}


class SignalSource(Base):
    """The registration of a signal that did not come through the employee's form."""

    __tablename__ = "signal_sources"
    __table_args__ = (
        CheckConstraint(f"organisation IN ({_in(Organisation)})", name="organisation_valid"),
        CheckConstraint(f"feedback IN ({_in(SourceFeedback)})", name="feedback_valid"),
    )

    signal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(30), default=Organisation.NONE.value)
    feedback: Mapped[str] = mapped_column(String(20), default=SourceFeedback.NONE.value)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: JSON, encrypted (signal key): organisation name, contact person, how to reach the source,
    #: and for an e-mail its sender, date and subject.
    details_ct: Mapped[bytes | None] = mapped_column(LargeBinary)

    registered_by = relationship("User")

    @property
    def id(self) -> uuid.UUID:
        """The signal's id: it binds the encrypted details to this row (the AAD of ``details_ct``)."""
        return self.signal_id
