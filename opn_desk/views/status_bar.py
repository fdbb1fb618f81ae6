"""The main window's status bar and live banner: profile, mode, sync state."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from opn_desk.services.profiles import Profile
from opn_desk.views.labels import moment_text

_BADGE_STYLE = (
    "QLabel {{ background: {bg}; color: white; font-weight: bold;"
    " padding: 1px 8px; border-radius: 3px; }}"
)
_BADGE_COLOURS = {"sandbox": "#1565c0", "test": "#e65100", "live": "#b71c1c"}
_BANNER_STYLE = (
    "QLabel { background: #b71c1c; color: white; font-weight: bold;"
    " padding: 4px 10px; }"
)


class LiveBanner(QLabel):
    """A red band across the window while a live profile is open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveBanner")
        self.setStyleSheet(_BANNER_STYLE)
        self.setWordWrap(True)
        self.hide()

    def set_profile(self, profile: Profile) -> None:
        self.setVisible(profile.mode == "live")
        self.setText(
            self.tr(
                "LIVE account %1: refunds and captures made here move real money."
            ).replace("%1", profile.name)
        )


def window_title(profile: Profile) -> str:
    """The window title, which names the profile and says LIVE first."""
    translate = QCoreApplication.translate
    if profile.mode == "live":
        title = translate("LiveBanner", "LIVE · %1 — opn-desk")
    elif profile.mode == "sandbox":
        title = translate("LiveBanner", "%1 (sandbox) — opn-desk")
    else:
        title = translate("LiveBanner", "%1 (test mode) — opn-desk")
    return title.replace("%1", profile.name)


class ProfileStatusBar(QStatusBar):
    """Shows which account is open, in which mode, and how fresh it is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo("UTC")
        self.mode_badge = QLabel()
        self.profile_label = QLabel()
        self.sync_label = QLabel()
        self.count_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.offline_label = QLabel()
        self.offline_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.offline_label.hide()
        self.attention_label = QLabel()
        self.attention_label.setStyleSheet("QLabel { color: #b3261e; }")
        self.attention_label.hide()
        # Permanent, so that a message in the bar never hides which
        # account and mode are open.
        self.addPermanentWidget(self.mode_badge)
        self.addPermanentWidget(self.profile_label)
        self.addPermanentWidget(self.attention_label)
        self.addPermanentWidget(self.offline_label)
        self.addPermanentWidget(self.count_label)
        self.addPermanentWidget(self.progress_bar)
        self.addPermanentWidget(self.sync_label)

    def set_profile(self, profile: Profile) -> None:
        self._zone = ZoneInfo(profile.timezone)
        self.mode_badge.setText(_badge_text(self, profile))
        colour = _BADGE_COLOURS[profile.mode]
        self.mode_badge.setStyleSheet(_BADGE_STYLE.format(bg=colour))
        self.profile_label.setText(profile.name)

    def set_last_sync(self, moment: datetime | None) -> None:
        if moment is None:
            self.sync_label.setText(self.tr("Not synced yet"))
            return
        local = moment_text(moment, self._zone)
        self.sync_label.setText(self.tr("Last sync: %1").replace("%1", local))

    def set_charge_counts(self, shown: int, in_cache: int) -> None:
        """Say how many charges the cache holds, and how many of them the
        Transactions filter shows when it hides some."""
        if shown == in_cache:
            text = self.tr("Charges in the cache: %1")
        else:
            text = self.tr("Charges shown: %2 of %1 in the cache")
        self.count_label.setText(
            text.replace("%1", f"{in_cache:,}").replace("%2", f"{shown:,}")
        )

    def set_attention_count(self, count: int) -> None:
        """Show how many operations need a look (View > Operations)."""
        self.attention_label.setVisible(count > 0)
        self.attention_label.setText(
            self.tr("Operations needing attention: %1").replace("%1", str(count))
        )

    def set_offline(self, offline: bool, reason: str = "") -> None:
        """Show or hide the offline marker; the reason becomes its tooltip."""
        self.offline_label.setText(self.tr("Offline: showing the cache"))
        self.offline_label.setVisible(offline)
        self.offline_label.setToolTip(reason)

    def show_progress(self, resource: str, fetched: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(min(fetched, max(total, 1)))
        self.progress_bar.setFormat(
            self.tr("Syncing %1 of %2")
            .replace("%1", str(fetched))
            .replace("%2", str(total))
        )
        self.progress_bar.show()

    def hide_progress(self) -> None:
        self.progress_bar.hide()


def _badge_text(bar: QStatusBar, profile: Profile) -> str:
    translate = QCoreApplication.translate  # lupdate files bar.tr() under "bar"
    if profile.mode == "live":
        return translate("ProfileStatusBar", "LIVE")
    if profile.mode == "sandbox":
        return translate("ProfileStatusBar", "TEST · SANDBOX")
    return translate("ProfileStatusBar", "TEST")
