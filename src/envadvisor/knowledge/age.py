"""How old the knowledge tables are, and the one line that says so when they are stale.

PyTorch ships about every two months and Transformers every two weeks: tables checked more than
:data:`STALE_AFTER_DAYS` days ago miss releases, so ``diagnose`` and ``rules`` name the command that
tells which (``envadvisor knowledge refresh``).
"""

from __future__ import annotations

import datetime as _dt

STALE_AFTER_DAYS = 120

_NOTICE = {
    "en": "The knowledge tables were checked {days} days ago ({date}); newer releases may be missing. "
          "Run `envadvisor knowledge refresh` to see which.",
    "zh": "知识表已于 {days} 天前（{date}）核对，可能缺少更新的版本。"
          "运行 `envadvisor knowledge refresh` 查看缺少哪些。",
}


def tables_age_days(checked: str | None, today: _dt.date | None = None) -> int | None:
    """Days since ``checked`` (YYYY-MM-DD); None when it does not parse."""
    try:
        day = _dt.date.fromisoformat(str(checked))
    except ValueError:
        return None
    return ((today or _dt.date.today()) - day).days


def stale_notice(checked: str | None, lang: str = "en", today: _dt.date | None = None) -> str | None:
    """The line to show when the tables are older than STALE_AFTER_DAYS; None while they are not."""
    days = tables_age_days(checked, today)
    if days is None or days <= STALE_AFTER_DAYS:
        return None
    return _NOTICE.get(lang, _NOTICE["en"]).format(days=days, date=checked)
