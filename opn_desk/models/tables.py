"""Every table of the cache, so that ``Base.metadata`` describes all of them."""

from opn_desk.models.base import Base
from opn_desk.models.charge_index import ChargeMetadataEntry
from opn_desk.models.charges import ChargeRecord
from opn_desk.models.evidence import EvidenceDraftRecord, EvidenceFileRecord
from opn_desk.models.ledger import (
    AccountObjectRecord,
    BalanceTransactionRecord,
    EventRecord,
)
from opn_desk.models.operations import AuditEntry, OperationRecord
from opn_desk.models.payments import (
    DisputeDocumentRecord,
    DisputeRecord,
    RefundRecord,
)
from opn_desk.models.recurring import (
    CardRecord,
    CustomerRecord,
    OccurrenceRecord,
    ScheduleRecord,
)
from opn_desk.models.report_queries import SavedReportRecord
from opn_desk.models.saved_filters import SavedFilterRecord
from opn_desk.models.sync_state import SyncState

__all__ = [
    "AccountObjectRecord",
    "AuditEntry",
    "BalanceTransactionRecord",
    "Base",
    "CardRecord",
    "ChargeMetadataEntry",
    "ChargeRecord",
    "CustomerRecord",
    "DisputeDocumentRecord",
    "DisputeRecord",
    "EventRecord",
    "EvidenceDraftRecord",
    "EvidenceFileRecord",
    "OccurrenceRecord",
    "OperationRecord",
    "RefundRecord",
    "SavedFilterRecord",
    "SavedReportRecord",
    "ScheduleRecord",
    "SyncState",
]
