"""opn-desk: a back office for merchants on Opn Payments."""

__version__ = "0.1.0"
APP_NAME = "opn-desk"
