"""Every table of the cache, so that ``Base.metadata`` describes all of them."""

from opn_desk.models.base import Base
from opn_desk.models.charges import ChargeRecord
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
from opn_desk.models.sync_state import SyncState

__all__ = [
    "AccountObjectRecord",
    "AuditEntry",
    "BalanceTransactionRecord",
    "Base",
    "CardRecord",
    "ChargeRecord",
    "CustomerRecord",
    "DisputeDocumentRecord",
    "DisputeRecord",
    "EventRecord",
    "OccurrenceRecord",
    "OperationRecord",
    "RefundRecord",
    "ScheduleRecord",
    "SyncState",
]
