"""The app's own icons: every one ships and draws."""

from __future__ import annotations

from typing import Any

from opn_desk.views.icons import ICON_NAMES, icon, icon_path


def test_every_icon_draws_at_toolbar_and_window_sizes(qapp: Any) -> None:
    for name in ICON_NAMES:
        assert icon_path(name).is_file(), name
        for size in (16, 32, 256):
            image = icon(name).pixmap(size, size).toImage()
            assert image.width() == size, name
            step = max(size // 16, 1)
            points = [
                (x, y) for x in range(0, size, step) for y in range(0, size, step)
            ]
            drawn = sum(image.pixelColor(x, y).alpha() > 0 for x, y in points)
            assert drawn > len(points) // 10, (name, size)
