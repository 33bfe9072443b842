"""Import every model so the metadata is complete (create_app, Alembic and tests rely on it)."""

from meldpunt.audit.models import AuditCheckpoint, AuditEntry, DeferredAuditEntry
from meldpunt.auth.models import AuthSession, RecoveryCode, User
from meldpunt.cases.models import Case, CaseIntervention, CaseSignal, CaseSubject
from meldpunt.channels.models import SignalSource
from meldpunt.feedback.models import Notice, NoticeDelivery
from meldpunt.grants.models import RoleGrant
from meldpunt.intake.models import (
    Attachment,
    FilingKey,
    IntakeDraft,
    Message,
    ReceiptDisplay,
    ReceiptGrant,
    Signal,
    SignalPhenomenon,
    StatusChange,
    Subject,
    SubjectIdentifier,
)
from meldpunt.meetings.models import (
    AgendaItem,
    AgendaItemPartner,
    Decision,
    ItemAttendee,
    Meeting,
    MeetingAction,
    MeetingMember,
    MeetingPack,
    MeetingSeries,
    MeetingType,
    Proposal,
)
from meldpunt.resilience.models import (
    AwarenessSession, KnowledgePage, Measure, MeasureEvidence, MeasureNote, ProgressReport, RegisterEntry,
)
from meldpunt.reports.models import CouncilReport, ReportTheme, ResultExample
from meldpunt.retention.models import LegalHold, RetentionExtension, RetentionRun, RightsRequest
from meldpunt.taxonomy.models import TaxonomyTerm
from meldpunt.threats.models import ThreatCheck
from meldpunt.triage.models import Approval, ClassificationChange, EnrichmentNote, Forwarding
from meldpunt.vault.models import DataKey

__all__ = [
    "LegalHold",
    "RetentionExtension",
    "RetentionRun",
    "RightsRequest",
    "AgendaItem",
    "AgendaItemPartner",
    "Decision",
    "ItemAttendee",
    "Meeting",
    "MeetingAction",
    "MeetingMember",
    "MeetingPack",
    "MeetingSeries",
    "MeetingType",
    "Proposal",
    "Approval",
    "Attachment",
    "AuditCheckpoint",
    "AuditEntry",
    "AuthSession",
    "AwarenessSession",
    "Case",
    "CouncilReport",
    "ReportTheme",
    "ResultExample",
    "CaseIntervention",
    "CaseSignal",
    "CaseSubject",
    "ClassificationChange",
    "DataKey",
    "DeferredAuditEntry",
    "EnrichmentNote",
    "Forwarding",
    "KnowledgePage",
    "Measure",
    "MeasureEvidence",
    "MeasureNote",
    "Message",
    "Notice",
    "ProgressReport",
    "RegisterEntry",
    "NoticeDelivery",
    "ReceiptGrant",
    "ReceiptDisplay",
    "FilingKey",
    "IntakeDraft",
    "RecoveryCode",
    "RoleGrant",
    "Signal",
    "SignalPhenomenon",
    "SignalSource",
    "StatusChange",
    "Subject",
    "SubjectIdentifier",
    "TaxonomyTerm",
    "ThreatCheck",
    "User",
]
