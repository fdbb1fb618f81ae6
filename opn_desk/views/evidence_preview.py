"""A small preview of an evidence file: an image, or a PDF's first page."""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

logger = logging.getLogger(__name__)

PREVIEW_SIZE = QSize(240, 320)


class EvidencePreview(QLabel):
    """Shows a PNG, a JPEG or the first page of a PDF, scaled down.

    ``shown_type`` is the content type drawn, None when nothing is.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidencePreview")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(PREVIEW_SIZE.width() // 2, PREVIEW_SIZE.height() // 2)
        self.setWordWrap(True)
        self.shown_type: str | None = None
        self.clear_preview()

    def clear_preview(self) -> None:
        self.shown_type = None
        self.setPixmap(QPixmap())
        self.setText(self.tr("Select a file to see it here."))

    def show_file(self, data: bytes, content_type: str) -> None:
        """Show ``data``; a sentence when it cannot be drawn."""
        if content_type == "application/pdf":
            image = first_pdf_page(data)
        else:
            image = QImage.fromData(data)
        if image is None or image.isNull():
            self.shown_type = None
            self.setPixmap(QPixmap())
            self.setText(
                self.tr(
                    "A preview of this file is not available. It is kept "
                    "and will be sent as it is."
                )
            )
            return
        scaled = QPixmap.fromImage(image).scaled(
            PREVIEW_SIZE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.shown_type = content_type
        self.setPixmap(scaled)


def first_pdf_page(data: bytes) -> QImage | None:
    """The first page of a PDF as an image, or None (no QtPdf, bad PDF)."""
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        logger.info("QtPdf is not available: no PDF previews")
        return None
    document = QPdfDocument()
    # The buffer is the document's child: it lives exactly as long.
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        return None
    page = document.pagePointSize(0).toSize()
    if page.isEmpty():
        page = PREVIEW_SIZE
    image = document.render(
        0, page.scaled(PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio)
    )
    document.close()
    return image
