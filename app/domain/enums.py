"""The CRM's enumerations; their integer values are the legacy wire values."""

from enum import IntEnum


class BidType(IntEnum):
    """How the bid value is meant: a fixed amount, or an amount per period."""

    FIXED_BID = 0
    PER_HOUR = 1
    PER_DAY = 2
    PER_WEEK = 3
    PER_MONTH = 4
    PER_YEAR = 5


class StageType(IntEnum):
    """Whether a stage is open or closes the deal, won or lost."""

    OPEN = 0
    CLOSED_AND_WON = 1
    CLOSED_AND_LOST = 2


class ShareType(IntEnum):
    """Who may see a contact: only its access list, or everyone (read-write or read-only)."""

    NONE = 0
    READ_WRITE = 1
    READ = 2


class CustomFieldType(IntEnum):
    """How a custom field is edited and shown."""

    TEXT_FIELD = 0
    TEXT_AREA = 1
    SELECT_BOX = 2
    CHECK_BOX = 3
    HEADING = 4
    DATE = 5
