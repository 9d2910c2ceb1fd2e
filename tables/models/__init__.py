"""The `tables` app's models, one module per concept, re-exported here.

Django finds an app's models by importing `tables.models`; every model class
below is defined in a submodule and gets the app label `tables` from it.
"""

from tables.models.exports import ExportJob
from tables.models.imports import HeldUpload, ImportBatch, ImportBatchFile, ImportMapping, ImportMappingQuerySet
from tables.models.monitoring import MonitoringForm, MonitoringFormQuerySet, MonitoringRound, MonitoringRow
from tables.models.organisations import (
    Layout,
    Membership,
    MembershipQuerySet,
    Organisation,
    OrganisationQuerySet,
    Reach,
    Roles,
    Round,
    Scope,
    one,
)
from tables.models.passwords import PasswordChangeRequired
from tables.models.review import (
    AdjustmentRequest,
    AuditEntry,
    AuditQuerySet,
    Comment,
    ImmutableRecordError,
    Notification,
    ReviewDecision,
    ReviewDuty,
    RoundOrganisation,
    Snapshot,
    SnapshotQuerySet,
    Stage,
)
from tables.models.tables import (
    OverallGoal,
    ScheduleItem,
    SubGoal,
    TargetTable,
    TargetTableQuerySet,
    Task,
    table_identity,
)

__all__ = [
    "AdjustmentRequest",
    "AuditEntry",
    "AuditQuerySet",
    "Comment",
    "ExportJob",
    "HeldUpload",
    "ImmutableRecordError",
    "ImportBatch",
    "ImportBatchFile",
    "ImportMapping",
    "ImportMappingQuerySet",
    "Layout",
    "Membership",
    "MembershipQuerySet",
    "MonitoringForm",
    "MonitoringFormQuerySet",
    "MonitoringRound",
    "MonitoringRow",
    "Notification",
    "Organisation",
    "OrganisationQuerySet",
    "OverallGoal",
    "PasswordChangeRequired",
    "Reach",
    "ReviewDecision",
    "ReviewDuty",
    "Roles",
    "Round",
    "RoundOrganisation",
    "ScheduleItem",
    "Scope",
    "Snapshot",
    "SnapshotQuerySet",
    "Stage",
    "SubGoal",
    "TargetTable",
    "TargetTableQuerySet",
    "Task",
    "one",
    "table_identity",
]
