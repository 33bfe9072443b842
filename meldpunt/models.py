"""Import every model so the metadata is complete, and every domain's need-to-know rules so ``meldpunt.policy``
knows them (create_app, Alembic, the workers and tests rely on it)."""

from meldpunt.audit.models import AuditCheckpoint, AuditEntry, DeferredAuditEntry
from meldpunt.auth.models import AuthSession, RecoveryCode, User
from meldpunt.cases.models import Case, CaseIntervention, CaseSignal, CaseSubject
from meldpunt.channels.models import SignalSource
from meldpunt.feedback.models import Notice, NoticeDelivery
from meldpunt.grants.models import RoleGrant
from meldpunt.approvals.models import Approval
from meldpunt.intake.models import (
    Attachment,
    FilingKey,
    IntakeDraft,
    Message,
    ReceiptDisplay,
    ReceiptGrant,
    Subject,
    SubjectIdentifier,
)
from meldpunt.signals.models import Signal, SignalPhenomenon, StatusChange
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
from meldpunt.triage.models import ClassificationChange, EnrichmentNote, Forwarding
from meldpunt.vault.models import DataKey

# The need-to-know rules, one module per domain (each registers with meldpunt.policy.register_rule on import),
# the subjects' digests for the vault's blind-index rotation, and the four-eyes kinds (forwarding, closing a casus).
from meldpunt.admin import permissions as _admin_rules  # noqa: F401
from meldpunt.cases import permissions as _case_rules  # noqa: F401
from meldpunt.grants import service as _grant_rules  # noqa: F401
from meldpunt.intake import subjects as _index_users  # noqa: F401
from meldpunt.meetings import permissions as _meeting_rules  # noqa: F401
from meldpunt.reports import permissions as _report_rules  # noqa: F401
from meldpunt.resilience import permissions as _resilience_rules  # noqa: F401
from meldpunt.retention import permissions as _retention_rules  # noqa: F401
from meldpunt.signals import permissions as _signal_rules  # noqa: F401
from meldpunt.taxonomy import permissions as _taxonomy_rules  # noqa: F401

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
